using System.Globalization;
using System.Text.Json;
using DepthNode.Bags;
using DepthNode.Bags.Mcap;
using DepthNode.CommandLine;

namespace DepthNode.Cli.Commands;

/// <summary>
/// `depthnode bag info|convert|recover`: rosbag2 recordings (MCAP or sqlite3 bag folders, lone .mcap/.db3 files).
/// Sub-commands other helpers add (echo) plug into <see cref="SubCommands"/>.
/// </summary>
public sealed class BagCommand : ICommand, IHasValueOptions
{
    public string Name => "bag";
    public string Summary => "rosbag2 tools: info, echo, convert, recover";
    public string Usage =>
        "bag info <bag> [--json]\n" +
        "       " + BagEcho.Usage + "\n" +
        "       bag convert <in> <out> " + BagOutputOptions.Usage + " [--force]\n" +
        "       bag recover <in.mcap> <out> [--compression none|zstd|lz4] [--force]   (out: a bag folder, or a file ending in .mcap)";
    public IReadOnlyCollection<string> ValueOptions => [.. BagOutputOptions.Names, "topic", "limit"];

    private static readonly Dictionary<string, Func<Arguments, TextWriter, TextWriter, int>> SubCommands = new(StringComparer.Ordinal)
    {
        ["info"] = Info,
        ["echo"] = BagEcho.Run,
        ["convert"] = Convert,
        ["recover"] = Recover,
    };

    public int Run(Arguments args, TextWriter stdout, TextWriter stderr)
    {
        var sub = args.Positional(0, "info|echo|convert|recover");
        if (!SubCommands.TryGetValue(sub, out var run))
            throw new CliException($"unknown sub-command '{sub}' (expected one of: {string.Join(", ", SubCommands.Keys)})", 2);
        return run(args, stdout, stderr);
    }

    // ---- info --------------------------------------------------------------------------------------------------

    private static int Info(Arguments args, TextWriter stdout, TextWriter stderr)
    {
        var path = args.Positional(1, "bag");
        var json = args.Flag("json");
        args.EnsureAllUsed(2);
        using var bag = BagReader.Open(path, w => stderr.WriteLine($"warning: {w}"));
        var info = bag.Info;
        if (json) WriteJson(info, stdout);
        else WriteText(info, BagSize(path, info), stdout);
        return 0;
    }

    private static void WriteJson(BagInfo info, TextWriter stdout)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("storage", info.StorageId);
            w.WriteStartArray("files");
            foreach (var f in info.Files) w.WriteStringValue(f);
            w.WriteEndArray();
            w.WriteNumber("start_ns", info.StartTimeNs);
            w.WriteNumber("duration_ns", info.DurationNs);
            w.WriteNumber("message_count", info.MessageCount);
            w.WriteString("compression", info.Compression);
            w.WriteStartArray("topics");
            foreach (var t in info.Topics)
            {
                w.WriteStartObject();
                w.WriteString("name", t.Topic.Name);
                w.WriteString("type", t.Topic.Type);
                w.WriteString("serialization_format", t.Topic.SerializationFormat);
                w.WriteNumber("message_count", t.MessageCount);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        stdout.WriteLine(System.Text.Encoding.UTF8.GetString(ms.ToArray()));
    }

    private static long BagSize(string path, BagInfo info)
    {
        var folder = Directory.Exists(path) ? path : Path.GetDirectoryName(Path.GetFullPath(path))!;
        return info.Files.Sum(f => new FileInfo(Path.Combine(folder, f)).Length);
    }

    private static void WriteText(BagInfo info, long size, TextWriter o)
    {
        static string Time(long ns) =>
            DateTimeOffset.FromUnixTimeMilliseconds(Math.Max(0, ns / 1_000_000)).UtcDateTime.ToString("MMM d yyyy HH:mm:ss.fff", CultureInfo.InvariantCulture)
            + $" UTC ({ns / 1_000_000_000}.{Math.Abs(ns % 1_000_000_000):D9})";
        o.WriteLine($"Files:             {string.Join("\n                   ", info.Files)}");
        o.WriteLine($"Bag size:          {(size / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture)} MiB ({size} bytes)");
        o.WriteLine($"Storage id:        {info.StorageId}");
        if (info.MetadataVersion > 0) o.WriteLine($"Metadata version:  {info.MetadataVersion}");
        o.WriteLine($"Compression:       {(info.Compression.Length == 0 ? "none" : info.Compression)}");
        o.WriteLine($"Duration:          {(info.DurationNs / 1e9).ToString("0.000000000", CultureInfo.InvariantCulture)}s");
        o.WriteLine($"Start:             {(info.MessageCount == 0 ? "-" : Time(info.StartTimeNs))}");
        o.WriteLine($"End:               {(info.MessageCount == 0 ? "-" : Time(info.StartTimeNs + info.DurationNs))}");
        o.WriteLine($"Messages:          {info.MessageCount}");
        var first = true;
        foreach (var t in info.Topics)
        {
            o.WriteLine($"{(first ? "Topic information: " : "                   ")}Topic: {t.Topic.Name} | Type: {t.Topic.Type} | Count: {t.MessageCount} | Serialization Format: {t.Topic.SerializationFormat}");
            first = false;
        }
        if (first) o.WriteLine("Topic information: (none)");
    }

    // ---- convert -----------------------------------------------------------------------------------------------

    private static int Convert(Arguments args, TextWriter stdout, TextWriter stderr)
    {
        var input = args.Positional(1, "in");
        var output = args.Positional(2, "out");
        var storageOption = BagOutputOptions.ParseStorage(args.Option("storage"));
        var compression = BagOutputOptions.ParseCompression(args.Option("compression"));
        var formatOption = BagOutputOptions.ParseFormat(args.Option("bag-format"));
        var force = args.Flag("force");
        args.EnsureAllUsed(3);
        using var bag = BagReader.Open(input, w => stderr.WriteLine($"warning: {w}"));
        // Without --storage the output keeps the input's storage.
        var storage = storageOption ?? (bag.Info.StorageId == "sqlite3" ? BagStorage.Sqlite3 : BagStorage.Mcap);
        BagOutputOptions.CheckCombination(storage, compression);
        // Without --bag-format a version-9 bag stays in Jazzy's layout; every other input gets Humble's, which every
        // distro reads (metadata.yaml before 9 stores QoS as Humble does).
        var format = formatOption ?? (bag.Info.MetadataVersion >= BagMetadata.CurrentVersion ? BagFormat.Jazzy : BagFormat.Humble);
        using var staged = StagedOutput.Begin(output, force, input);
        var (n, replaced) = BagConverter.Run(bag, staged.Path, storage, compression, new BagWriterOptions { Format = format });
        staged.Commit();
        stdout.WriteLine($"converted {n} messages on {bag.Info.Topics.Count} topics: {input} ({bag.Info.StorageId}) -> {output} ({(storage == BagStorage.Mcap ? "mcap" : "sqlite3")}{(compression == McapCompression.None ? "" : ", " + compression.ToString().ToLowerInvariant())}, {format.ToString().ToLowerInvariant()} layout)");
        if (storage == BagStorage.Sqlite3 && bag.Info.StorageId == "mcap")
            stdout.WriteLine($"note: sqlite3 has no publish_time column: {replaced} of {n} messages had a publish_time other than their log_time; it now reads back as the log_time");
        return 0;
    }

    // ---- recover -----------------------------------------------------------------------------------------------

    private static int Recover(Arguments args, TextWriter stdout, TextWriter stderr)
    {
        var input = args.Positional(1, "in.mcap");
        var output = args.Positional(2, "out");
        var compression = BagOutputOptions.ParseCompression(args.Option("compression"));
        var formatOption = BagOutputOptions.ParseFormat(args.Option("bag-format"));
        var force = args.Flag("force");
        args.EnsureAllUsed(3);
        var given = input;
        if (Directory.Exists(input))
        {
            var files = Directory.GetFiles(input, "*.mcap");
            if (files.Length != 1) throw new CliException($"{input}: expected exactly one .mcap file in the folder, found {files.Length}");
            input = files[0];
        }
        if (!File.Exists(input)) throw new CliException($"{input}: no such file");
        using var staged = StagedOutput.Begin(output, force, given, input);
        var result = McapRecovery.Recover(input, staged.Path, compression, w => stderr.WriteLine($"warning: {w}"));
        staged.Commit();
        stdout.WriteLine($"recovered {result.Messages} messages on {result.Channels} channels from {input} into {output}");
        if (result.DamagedRecords > 0)
            stdout.WriteLine($"skipped {result.DamagedRecords} damaged records ({result.SkippedBytes} bytes, {result.LostMessages} messages known lost with them; see the warnings)");
        return 0;
    }
}
