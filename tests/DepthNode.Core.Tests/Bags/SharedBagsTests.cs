using DepthNode.Bags;
using DepthNode.Tests;

namespace DepthNode.Core.Tests.Bags;

/// <summary>Every real recording under shared/bags opens, and every message reads, in log-time order.</summary>
public class SharedBagsTests
{
    public static TheoryData<string> AllBags()
    {
        var root = SharedData.Path("bags");
        var data = new TheoryData<string>();
        foreach (var yaml in Directory.EnumerateFiles(root, "metadata.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            data.Add(Path.GetRelativePath(root, Path.GetDirectoryName(yaml)!));
        data.Add("rosbag2js/sample.db3");
        return data;
    }

    [Theory]
    [MemberData(nameof(AllBags))]
    public void Bag_Opens_AndEveryMessageReads_InLogTimeOrder_CountsMatchMetadata(string relative)
    {
        var path = SharedData.Path("bags", relative);
        using var bag = BagReader.Open(path);
        long count = 0, last = long.MinValue;
        var perTopic = new Dictionary<string, long>();
        foreach (var m in bag.ReadMessages())
        {
            Assert.True(m.LogTimeNs >= last, $"message {count} at {m.LogTimeNs} before {last}");
            last = m.LogTimeNs;
            perTopic[m.Topic.Name] = perTopic.GetValueOrDefault(m.Topic.Name) + 1;
            count++;
        }
        if (bag.Metadata is { } md)
        {
            Assert.Equal(md.MessageCount, count);
            foreach (var t in md.Topics) Assert.Equal(t.MessageCount, perTopic.GetValueOrDefault(t.Topic.Name));
        }
        Assert.Equal(bag.Info.MessageCount, count);
        foreach (var t in bag.Info.Topics) Assert.Equal(t.MessageCount, perTopic.GetValueOrDefault(t.Topic.Name));
    }
}
