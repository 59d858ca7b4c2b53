namespace DepthNode.Bags;

/// <summary>
/// Copies a bag into a new bag folder in another storage or compression: every topic (type, serialization format,
/// QoS text, type hash, message definition) and every message (log and publish time, bytes) unchanged.
/// sqlite3 stores no publish time: converting from it sets publish time = log time, and converting to it drops the
/// publish time (counted in <see cref="Result.PublishTimesReplaced"/>), so mcap → sqlite3 → mcap is not lossless.
/// </summary>
public static class BagConverter
{
    /// <summary>What a conversion did. <see cref="PublishTimesReplaced"/>: messages whose publish time differed from
    /// their log time and was lost because the output is sqlite3, which has no column for it.</summary>
    public readonly record struct Result(long Messages, long PublishTimesReplaced);

    public static long Convert(IBagReader input, string outputFolder, BagStorage storage, McapCompression compression = McapCompression.None, BagWriterOptions? options = null) =>
        Run(input, outputFolder, storage, compression, options).Messages;

    public static Result Run(IBagReader input, string outputFolder, BagStorage storage, McapCompression compression = McapCompression.None, BagWriterOptions? options = null)
    {
        long n = 0, replaced = 0;
        using var writer = BagWriter.Create(outputFolder, storage, compression, options);
        foreach (var t in input.Info.Topics) writer.AddTopic(t.Topic);
        foreach (var m in input.ReadMessages())
        {
            writer.Write(m.Topic.Name, m.LogTimeNs, m.PublishTimeNs, m.Data.Span);
            if (storage == BagStorage.Sqlite3 && m.PublishTimeNs != m.LogTimeNs) replaced++;
            n++;
        }
        return new Result(n, replaced);
    }
}
