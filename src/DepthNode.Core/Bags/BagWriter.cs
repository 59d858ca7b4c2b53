using System.Text;
using DepthNode.Bags.Mcap;
using DepthNode.Bags.Sqlite;

namespace DepthNode.Bags;

public sealed record BagWriterOptions
{
    /// <summary>The rosbag2 release the bag is laid out for. Humble by default: the node's image is Humble, and Iron,
    /// Jazzy and later read Humble's layout too, while Humble cannot read Jazzy's.</summary>
    public BagFormat Format { get; init; } = BagFormat.Humble;
    /// <summary>Written to the sqlite <c>schema</c> table, the MCAP <c>rosbag2</c> record and (Jazzy) metadata.yaml.</summary>
    public string RosDistro => Format == BagFormat.Humble ? "humble" : "jazzy";
    /// <summary>MCAP chunk size (uncompressed bytes).</summary>
    public int McapChunkSize { get; init; } = 768 * 1024;
    public bool McapUseChunks { get; init; } = true;
}

/// <summary>
/// Writes a rosbag2 bag folder as `ros2 bag record` does: <c>&lt;folder&gt;/&lt;name&gt;_0.mcap</c> (profile <c>ros2</c>,
/// <c>ros2msg</c> schemas, <c>cdr</c> channels with <c>offered_qos_profiles</c> metadata, the <c>rosbag2</c> metadata
/// record) or <c>&lt;name&gt;_0.db3</c> (schema 4), then <c>metadata.yaml</c> on <see cref="Dispose"/>, in the layout
/// of <see cref="BagWriterOptions.Format"/>. Humble's reader ignores what it does not query (the sqlite
/// <c>type_description_hash</c> column and <c>message_definitions</c> table, the MCAP <c>topic_type_hash</c>), so those
/// are written in both layouts and a converted bag keeps its message definitions.
/// </summary>
public sealed class BagWriter : IBagWriter
{
    private readonly string _folder;
    private readonly string _file;
    private readonly BagStorage _storage;
    private readonly BagWriterOptions _options;
    private readonly McapWriter? _mcap;
    private readonly SqliteBagWriter? _sqlite;
    private readonly Dictionary<string, WrittenTopic> _topics = new(StringComparer.Ordinal);
    private readonly List<WrittenTopic> _topicOrder = [];
    private long _start = long.MaxValue, _end = long.MinValue, _total;
    private bool _disposed;

    private BagWriter(string folder, BagStorage storage, McapCompression compression, BagWriterOptions options)
    {
        _folder = folder;
        _storage = storage;
        _options = options;
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));
        _file = $"{name}_0.{(storage == BagStorage.Mcap ? "mcap" : "db3")}";
        var full = Path.Combine(folder, _file);
        if (storage == BagStorage.Mcap)
            _mcap = McapWriter.Create(full, new McapWriterOptions
            {
                Profile = "ros2",
                Library = "DepthNode rosbag2 writer",
                Compression = compression,
                ChunkSize = options.McapChunkSize,
                UseChunks = options.McapUseChunks,
            });
        else
        {
            if (compression != McapCompression.None)
                throw new ArgumentException("chunk compression applies to MCAP storage only", nameof(compression));
            _sqlite = new SqliteBagWriter(full, options.RosDistro);
        }
    }

    /// <summary>Creates the bag folder <paramref name="folder"/> (it must not exist or be empty).</summary>
    public static BagWriter Create(string folder, BagStorage storage = BagStorage.Mcap, McapCompression compression = McapCompression.None, BagWriterOptions? options = null)
    {
        if (File.Exists(folder)) throw new IOException($"{folder}: exists and is a file; a bag is written as a folder");
        if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
            throw new IOException($"{folder}: folder exists and is not empty; refusing to overwrite a bag");
        Directory.CreateDirectory(folder);
        return new BagWriter(folder, storage, compression, options ?? new BagWriterOptions());
    }

    public void AddTopic(TopicInfo topic)
    {
        if (_topics.ContainsKey(topic.Name)) throw new InvalidOperationException($"topic {topic.Name} was already added");
        ushort channel = 0;
        if (_mcap is not null)
        {
            ushort schema = 0;
            if (topic.Type.Length > 0)
                schema = _mcap.AddSchema(topic.Type, topic.MessageDefinitionEncoding, Encoding.UTF8.GetBytes(topic.MessageDefinition));
            var metadata = new Dictionary<string, string> { ["offered_qos_profiles"] = StoredQos(topic) };
            if (topic.TypeDescriptionHash.Length > 0) metadata["topic_type_hash"] = topic.TypeDescriptionHash;
            channel = _mcap.AddChannel(schema, topic.Name, topic.SerializationFormat, metadata);
        }
        else _sqlite!.AddTopic(topic with { OfferedQosProfiles = StoredQos(topic) });
        var written = new WrittenTopic(topic, channel);
        _topics[topic.Name] = written;
        _topicOrder.Add(written);
    }

    /// <summary>Humble's player parses a storage file's QoS text with integer enums only (when there is no metadata.yaml).</summary>
    private string StoredQos(TopicInfo topic) =>
        _options.Format == BagFormat.Humble ? QosYaml.ToIntegerEnums(topic.OfferedQosProfiles) : topic.OfferedQosProfiles;

    public void Write(string topicName, long logTimeNs, long publishTimeNs, ReadOnlySpan<byte> data)
    {
        if (!_topics.TryGetValue(topicName, out var t)) throw new InvalidOperationException($"topic {topicName} was not added");
        if (_mcap is not null) _mcap.WriteMessage(t.Channel, 0, (ulong)logTimeNs, (ulong)publishTimeNs, data);
        else _sqlite!.Write(topicName, logTimeNs, data);
        t.Count++;
        _total++;
        _start = Math.Min(_start, logTimeNs);
        _end = Math.Max(_end, logTimeNs);
    }

    public BagMetadata Metadata() => new()
    {
        StorageIdentifier = _storage == BagStorage.Mcap ? "mcap" : "sqlite3",
        StartingTimeNs = _total == 0 ? 0 : _start,
        DurationNs = _total == 0 ? 0 : _end - _start,
        MessageCount = _total,
        Topics = _topicOrder.Select(t => new TopicSummary(t.Topic, t.Count)).ToList(),
        RelativeFilePaths = [_file],
        Files = [new BagFileInfo(_file, _total == 0 ? 0 : _start, _total == 0 ? 0 : _end - _start, _total)],
        RosDistro = _options.RosDistro,
    };

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        var humble = _options.Format == BagFormat.Humble;
        var yaml = Metadata().ToYaml(_options.Format);
        if (_mcap is not null)
        {
            // As each release's rosbag2 writes it: Humble only names the distro, Iron and later embed metadata.yaml.
            using (_mcap)
                _mcap.WriteMetadata("rosbag2", humble
                    ? new Dictionary<string, string> { ["ROS_DISTRO"] = _options.RosDistro }
                    : new Dictionary<string, string> { ["serialized_metadata"] = yaml });
        }
        if (_sqlite is not null)
        {
            using (_sqlite) _sqlite.WriteMetadata(humble ? BagMetadata.HumbleVersion : BagMetadata.CurrentVersion, yaml);
        }
        File.WriteAllText(Path.Combine(_folder, "metadata.yaml"), yaml);
    }

    /// <summary>A topic with its channel and running message count: one lookup per written message.</summary>
    private sealed class WrittenTopic(TopicInfo topic, ushort channel)
    {
        public TopicInfo Topic { get; } = topic;
        public ushort Channel { get; } = channel;
        public long Count { get; set; }
    }
}
