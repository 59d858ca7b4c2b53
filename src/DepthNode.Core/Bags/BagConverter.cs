namespace DepthNode.Bags;

/// <summary>
/// Copies a bag into a new bag folder in another storage or compression: every topic (type, serialization format,
/// QoS text, type hash, message definition) and every message (log and publish time, bytes) unchanged.
/// sqlite3 stores no publish time, so converting from it sets publish time = log time.
/// </summary>
public static class BagConverter
{
    public static long Convert(IBagReader input, string outputFolder, BagStorage storage, McapCompression compression = McapCompression.None, BagWriterOptions? options = null)
    {
        long n = 0;
        using var writer = BagWriter.Create(outputFolder, storage, compression, options);
        foreach (var t in input.Info.Topics) writer.AddTopic(t.Topic);
        foreach (var m in input.ReadMessages())
        {
            writer.Write(m.Topic.Name, m.LogTimeNs, m.PublishTimeNs, m.Data.Span);
            n++;
        }
        return n;
    }
}
