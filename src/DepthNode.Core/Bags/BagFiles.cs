using System.Text;
using DepthNode.Bags.Mcap;
using DepthNode.Bags.Sqlite;

namespace DepthNode.Bags;

/// <summary>One storage file of a bag, read through its own format.</summary>
internal interface IBagFile : IDisposable
{
    string Path { get; }
    string StorageId { get; }
    string Compression { get; }
    IReadOnlyList<string> Warnings { get; }
    /// <summary>Per-topic counts and time range; may read the whole file when it has no index.</summary>
    (IReadOnlyList<TopicSummary> Topics, long Start, long End, long Total) Statistics();
    /// <summary>Log-time order within the file.</summary>
    IEnumerable<BagMessage> ReadMessages(BagReadOptions options);
}

internal sealed class SqliteFile(string path) : IBagFile
{
    private readonly SqliteBagFile _file = new(path);
    public string Path => path;
    public string StorageId => "sqlite3";
    public string Compression => "";
    public IReadOnlyList<string> Warnings => _file.Warnings;

    public (IReadOnlyList<TopicSummary>, long, long, long) Statistics()
    {
        var (counts, start, end, total) = _file.Statistics();
        return (_file.Topics.Select(t => new TopicSummary(t, counts[t])).ToList(), start, end, total);
    }

    public IEnumerable<BagMessage> ReadMessages(BagReadOptions options) => _file.ReadMessages(options);
    public void Dispose() => _file.Dispose();
}

internal sealed class McapFile : IBagFile
{
    private readonly McapReader _reader;
    private readonly Dictionary<ushort, TopicInfo> _topics = [];

    public McapFile(string path, Action<string>? onWarning)
    {
        Path = path;
        if (!File.Exists(path)) throw new BagFormatException($"{path}: file not found");
        _reader = McapReader.Open(path, new McapReaderOptions { OnWarning = onWarning });
    }

    public string Path { get; }
    public string StorageId => "mcap";
    public string Compression => string.Join(",", _reader.Compressions.Where(c => c.Length > 0).Order(StringComparer.Ordinal));
    public IReadOnlyList<string> Warnings => _reader.Warnings;

    /// <summary>The rosbag2 view of a channel: topic, schema name as type, message encoding as serialization format.</summary>
    public TopicInfo Topic(McapChannel c)
    {
        if (_topics.TryGetValue(c.Id, out var t)) return t;
        _reader.Schemas.TryGetValue(c.SchemaId, out var schema);
        t = new TopicInfo(c.Topic, schema?.Name ?? "", c.MessageEncoding,
            c.Metadata.GetValueOrDefault("offered_qos_profiles", ""), c.Metadata.GetValueOrDefault("topic_type_hash", ""),
            schema is null ? "" : Encoding.UTF8.GetString(schema.Data), schema?.Encoding ?? "");
        _topics[c.Id] = t;
        return t;
    }

    public (IReadOnlyList<TopicSummary>, long, long, long) Statistics()
    {
        if (_reader.Statistics is { } s && _reader.HasSummary)
        {
            var topics = _reader.Channels.Values.OrderBy(c => c.Id)
                .Select(c => new TopicSummary(Topic(c), (long)s.ChannelMessageCounts.GetValueOrDefault(c.Id))).ToList();
            return (topics, (long)s.MessageStartTime, (long)s.MessageEndTime, (long)s.MessageCount);
        }
        // No statistics: count by reading every message (data is not copied).
        var counts = new Dictionary<ushort, long>();
        long start = long.MaxValue, end = long.MinValue, total = 0;
        foreach (var m in _reader.ReadMessages())
        {
            counts[m.Channel.Id] = counts.GetValueOrDefault(m.Channel.Id) + 1;
            start = Math.Min(start, (long)m.LogTime);
            end = Math.Max(end, (long)m.LogTime);
            total++;
        }
        var list = _reader.Channels.Values.OrderBy(c => c.Id).Select(c => new TopicSummary(Topic(c), counts.GetValueOrDefault(c.Id))).ToList();
        return total == 0 ? (list, 0, 0, 0) : (list, start, end, total);
    }

    public IEnumerable<BagMessage> ReadMessages(BagReadOptions options)
    {
        var filter = new McapMessageFilter
        {
            Channels = options.Topics is null ? null : c => options.Includes(c.Topic),
            StartTime = options.StartTimeNs < 0 ? 0 : (ulong)options.StartTimeNs,
            EndTime = options.EndTimeNs < 0 ? 0 : (ulong)options.EndTimeNs,
        };
        foreach (var m in _reader.ReadMessages(filter))
            yield return new BagMessage(Topic(m.Channel), (long)m.LogTime, (long)m.PublishTime, m.Data);
    }

    public void Dispose() => _reader.Dispose();
}
