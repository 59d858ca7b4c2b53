namespace DepthNode.Bags;

/// <summary>
/// One topic of a bag as rosbag2 stores it. <see cref="OfferedQosProfiles"/> is the YAML text exactly as stored
/// (MCAP channel metadata / sqlite column / metadata.yaml v≤8 string; a v9 list is re-serialised to text), so
/// converting a bag keeps it. <see cref="MessageDefinition"/> is the schema text (e.g. the concatenated
/// <c>.msg</c> definitions with <c>MSG:</c> separators) in <see cref="MessageDefinitionEncoding"/>
/// (<c>ros2msg</c>, <c>ros2idl</c>, or empty when the bag has none).
/// </summary>
public sealed record TopicInfo(
    string Name,
    string Type,
    string SerializationFormat = "cdr",
    string OfferedQosProfiles = "",
    string TypeDescriptionHash = "",
    string MessageDefinition = "",
    string MessageDefinitionEncoding = "ros2msg")
{
    /// <summary>True when messages are CDR, the only encoding the project decodes.</summary>
    public bool IsCdr => SerializationFormat == "cdr";
}

/// <summary>
/// One stored message. <see cref="Data"/> is the serialized payload (for CDR including the 4-byte encapsulation
/// header) and is a view into the reader's reused buffer: it is valid only until the next message is read from the
/// same enumeration. Copy it (<c>Data.ToArray()</c>) to keep it.
/// </summary>
public readonly record struct BagMessage(TopicInfo Topic, long LogTimeNs, long PublishTimeNs, ReadOnlyMemory<byte> Data);

/// <summary>A topic and how many messages it has in the bag.</summary>
public sealed record TopicSummary(TopicInfo Topic, long MessageCount);

/// <summary>
/// What `ros2 bag info` shows: storage plugin id (<c>mcap</c>/<c>sqlite3</c>), storage files (relative to the bag
/// folder), first log time, duration (last - first), counts, compression (<c>""</c>, or the MCAP chunk compressions
/// found, e.g. <c>zstd</c>) and the topics with their message counts.
/// </summary>
public sealed record BagInfo(
    string StorageId,
    IReadOnlyList<string> Files,
    long StartTimeNs,
    long DurationNs,
    long MessageCount,
    string Compression,
    IReadOnlyList<TopicSummary> Topics,
    int MetadataVersion = 0,
    string RosDistro = "");

/// <summary>Which messages <see cref="IBagReader.ReadMessages"/> yields.</summary>
public sealed record BagReadOptions
{
    /// <summary>Only these topic names (null: all topics).</summary>
    public IReadOnlyCollection<string>? Topics { get; init; }
    /// <summary>Inclusive lower bound on log time (ns since epoch).</summary>
    public long StartTimeNs { get; init; } = long.MinValue;
    /// <summary>Exclusive upper bound on log time (ns since epoch).</summary>
    public long EndTimeNs { get; init; } = long.MaxValue;
    /// <summary>Refuse (with <see cref="BagEncodingException"/>) to read a selected topic whose serialization format
    /// is not <c>cdr</c>, before any message is yielded. Use it when messages will be CDR-decoded.</summary>
    public bool RequireCdr { get; init; }

    internal bool Includes(string topic) => Topics is null || Topics.Contains(topic);
}

/// <summary>Reads a rosbag2 recording: messages of all storage files merged in log-time order.</summary>
public interface IBagReader : IDisposable
{
    BagInfo Info { get; }
    /// <summary>Messages in log-time order (ties: storage order). See <see cref="BagMessage"/> for the data lifetime.</summary>
    IEnumerable<BagMessage> ReadMessages(BagReadOptions? options = null);
    /// <summary>Non-fatal problems found while reading (e.g. "file truncated at offset N"), in order.</summary>
    IReadOnlyList<string> Warnings { get; }
}

/// <summary>Writes a rosbag2 recording. Add every topic before writing its messages; dispose to finish the files.</summary>
public interface IBagWriter : IDisposable
{
    void AddTopic(TopicInfo topic);
    /// <summary>Appends one message; <paramref name="data"/> is copied before returning.</summary>
    void Write(string topicName, long logTimeNs, long publishTimeNs, ReadOnlySpan<byte> data);
}

public enum BagStorage { Mcap, Sqlite3 }

public enum McapCompression { None, Zstd, Lz4 }

// Bag exceptions derive from IOException (InvalidDataException is sealed); the CLI runner reports them as one line.

/// <summary>A topic's serialization format is not the one the caller needs (e.g. <c>wrong_format</c> instead of cdr).</summary>
public sealed class BagEncodingException(string message) : IOException(message);

/// <summary>A bag folder or file is unusable (missing files, bad metadata.yaml, unknown storage).</summary>
public sealed class BagFormatException(string message, Exception? inner = null) : IOException(message, inner);
