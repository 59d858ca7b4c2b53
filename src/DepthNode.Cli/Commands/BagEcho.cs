using System.Text.Json;
using DepthNode.Bags;
using DepthNode.Cdr;
using DepthNode.CommandLine;
using DepthNode.Messages;

namespace DepthNode.Cli.Commands;

/// <summary>
/// <c>depthnode bag echo &lt;bag&gt; --topic T [--limit N] [--json]</c>: decodes a topic's messages with the schema the bag
/// carries (or, for bags without schemas such as sqlite3 schema 1, the definitions built into
/// <see cref="MessageDefinitions"/>). <c>--json</c> prints one object per line:
/// <c>{"topic","log_time_ns","type","message":{...}}</c>; without it, each message as indented JSON after a
/// <c>---</c> line with topic and time.
/// </summary>
public static class BagEcho
{
    public const string Usage = "bag echo <bag> --topic T [--limit N] [--json]";

    public static int Run(Arguments args, TextWriter stdout, TextWriter stderr)
    {
        var path = args.Positional(1, "bag");
        var topic = args.Required("topic");
        var limit = args.IntOption("limit", int.MaxValue, min: 0);
        if (limit < 0) throw new CliException($"--limit must be >= 0, got {limit}", 2);
        var json = args.Flag("json");
        args.EnsureAllUsed(2);

        using var bag = BagReader.Open(path, w => stderr.WriteLine($"warning: {w}"));
        var summary = bag.Info.Topics.FirstOrDefault(t => t.Topic.Name == topic)
            ?? throw new CliException($"{path}: no topic '{topic}' (topics: {string.Join(", ", bag.Info.Topics.Select(t => t.Topic.Name))})");
        var info = summary.Topic;
        var schema = SchemaFor(info, path);

        var count = 0;
        var output = new MemoryStream();
        var indented = new JsonWriterOptions { Encoder = RosMsgJson.Options.Encoder, Indented = !json };
        foreach (var message in bag.ReadMessages(new BagReadOptions { Topics = [topic], RequireCdr = true }))
        {
            if (count >= limit) break;
            OrderedDictionary<string, object?> decoded;
            try { decoded = CdrDynamicDecoder.Decode(schema, message.Data); }
            catch (CdrException e)
            {
                throw new CdrException(e.Kind, $"{path}: {topic} message at log time {message.LogTimeNs} ns: {e.Message}", e.Offset, e.Field);
            }
            output.SetLength(0);
            using (var w = new Utf8JsonWriter(output, indented))
            {
                if (json)
                {
                    w.WriteStartObject();
                    w.WriteString("topic", topic);
                    w.WriteNumber("log_time_ns", message.LogTimeNs);
                    w.WriteString("type", info.Type);
                    w.WritePropertyName("message");
                    RosMsgJson.Write(w, decoded);
                    w.WriteEndObject();
                }
                else RosMsgJson.Write(w, decoded);
            }
            if (!json) stdout.WriteLine($"--- {topic} @ {message.LogTimeNs} ns ({info.Type})");
            stdout.WriteLine(System.Text.Encoding.UTF8.GetString(output.GetBuffer(), 0, (int)output.Length));
            count++;
        }
        return 0;
    }

    private static RosMsgSchema SchemaFor(TopicInfo topic, string path)
    {
        if (topic.MessageDefinition.Length > 0)
        {
            if (topic.MessageDefinitionEncoding != "ros2msg")
                throw new CliException($"{path}: topic {topic.Name} ({topic.Type}) has a '{topic.MessageDefinitionEncoding}' schema; only ros2msg definitions can be decoded");
            return RosMsgSchema.Parse(topic.Type, topic.MessageDefinition);
        }
        if (MessageDefinitions.TryGet(topic.Type, out var builtIn)) return RosMsgSchema.Parse(topic.Type, builtIn);
        throw new CliException($"{path}: topic {topic.Name} has type {topic.Type}, but the bag stores no message definition for it and it is not one of the built-in types ({string.Join(", ", MessageDefinitions.TypeNames)})");
    }
}
