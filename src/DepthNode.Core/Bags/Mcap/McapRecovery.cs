namespace DepthNode.Bags.Mcap;

/// <summary>
/// Rewrites an MCAP file that lacks its summary (recording killed, or written without indexes) or is damaged into a
/// complete, indexed one, by scanning the data section: every complete message before a cut (also inside a cut
/// zstd/lz4 chunk) is kept, with its channel, schema, timestamps and sequence; damaged records are skipped and
/// reading goes on after them; channels declared without messages are kept; metadata records are copied. Output is a lone <c>.mcap</c> when the path ends
/// so, else a rosbag2 bag folder with metadata.yaml.
/// </summary>
public static class McapRecovery
{
    /// <summary>What was recovered, and what was skipped as damaged (<see cref="McapReader.DamagedRecords"/> and friends).</summary>
    public readonly record struct Result(long Messages, int Channels, IReadOnlyList<string> Warnings, int DamagedRecords = 0, long SkippedBytes = 0, long LostMessages = 0);

    public static Result Recover(string input, string output, McapCompression compression, Action<string>? onWarning = null)
    {
        using var reader = McapReader.Open(input, new McapReaderOptions { ForceLinearScan = true, OnWarning = onWarning });
        var metadata = reader.ReadMetadata();
        long n = 0;
        if (output.EndsWith(".mcap", StringComparison.OrdinalIgnoreCase))
        {
            using var writer = McapWriter.Create(output, new McapWriterOptions { Profile = reader.Header.Profile, Compression = compression });
            var schemaMap = new Dictionary<ushort, ushort>();
            var channelMap = new Dictionary<ushort, ushort>();
            ushort Channel(McapChannel c)
            {
                if (channelMap.TryGetValue(c.Id, out var id)) return id;
                ushort schema = 0;
                if (c.SchemaId != 0 && !schemaMap.TryGetValue(c.SchemaId, out schema))
                {
                    var s = reader.Schemas[c.SchemaId];
                    schema = schemaMap[c.SchemaId] = writer.AddSchema(s.Name, s.Encoding, s.Data);
                }
                return channelMap[c.Id] = writer.AddChannel(schema, c.Topic, c.MessageEncoding, c.Metadata);
            }
            foreach (var m in reader.ReadMessages())
            {
                writer.WriteMessage(Channel(m.Channel), m.Sequence, m.LogTime, m.PublishTime, m.Data.Span);
                n++;
            }
            foreach (var c in reader.Channels.Values.OrderBy(c => c.Id)) Channel(c);
            foreach (var md in metadata) writer.WriteMetadata(md.Name, md.Values);
            return new Result(n, channelMap.Count, reader.Warnings, reader.DamagedRecords, reader.SkippedBytes, reader.LostMessages);
        }
        using (var bag = BagWriter.Create(output, BagStorage.Mcap, compression))
        {
            var added = new HashSet<string>(StringComparer.Ordinal);
            var file = new McapFileTopics(reader);
            foreach (var m in reader.ReadMessages())
            {
                var topic = file.Topic(m.Channel);
                if (added.Add(topic.Name)) bag.AddTopic(topic);
                bag.Write(topic.Name, (long)m.LogTime, (long)m.PublishTime, m.Data.Span);
                n++;
            }
            foreach (var c in reader.Channels.Values.OrderBy(c => c.Id))
            {
                var topic = file.Topic(c);
                if (added.Add(topic.Name)) bag.AddTopic(topic);
            }
            return new Result(n, added.Count, reader.Warnings, reader.DamagedRecords, reader.SkippedBytes, reader.LostMessages);
        }
    }

    private sealed class McapFileTopics(McapReader reader)
    {
        private readonly Dictionary<ushort, TopicInfo> _topics = [];
        public TopicInfo Topic(McapChannel c)
        {
            if (_topics.TryGetValue(c.Id, out var t)) return t;
            reader.Schemas.TryGetValue(c.SchemaId, out var schema);
            return _topics[c.Id] = new TopicInfo(c.Topic, schema?.Name ?? "", c.MessageEncoding,
                c.Metadata.GetValueOrDefault("offered_qos_profiles", ""), c.Metadata.GetValueOrDefault("topic_type_hash", ""),
                schema is null ? "" : System.Text.Encoding.UTF8.GetString(schema.Data), schema?.Encoding ?? "");
        }
    }
}
