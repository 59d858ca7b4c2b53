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

    // A bag folder that went missing would only shrink the theories below, so their size is checked too: the bags
    // shared/bags/README.md lists are 16 bag folders (metadata.yaml) plus rosbag2js/sample.db3, 7 of them MCAP.
    [Fact]
    public void SharedBags_AreAllPresent()
    {
        Assert.Equal(17, AllBags().Count);
        Assert.Equal(7, SharedMcapReferenceTests.McapFiles().Count);
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

/// <summary>Our reader and the reference implementation (@mcap/core) agree on every real MCAP bag.</summary>
public class SharedMcapReferenceTests
{
    public static TheoryData<string> McapFiles()
    {
        var root = SharedData.Path("bags");
        var data = new TheoryData<string>();
        foreach (var f in Directory.EnumerateFiles(root, "*.mcap", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            data.Add(Path.GetRelativePath(root, f));
        return data;
    }

    [Theory]
    [MemberData(nameof(McapFiles))]
    public void RealMcap_OurReaderAgreesWithMcapCore(string relative)
    {
        var path = SharedData.Path("bags", relative);
        var js = McapReference.Run("check", path);
        using var r = DepthNode.Bags.Mcap.McapReader.Open(path);
        var messages = r.ReadMessages().Select(m => (m.Channel.Topic, m.LogTime, Data: m.Data.ToArray())).ToList();
        Assert.Equal(js.GetProperty("indexedMessages").GetInt32(), messages.Count);
        foreach (var t in js.GetProperty("perTopic").EnumerateObject())
            Assert.Equal(t.Value.GetInt32(), messages.Count(m => m.Topic == t.Name));
        Assert.Equal(js.GetProperty("dataSha256").GetString(), SyntheticBag.Sha256(messages.Select(m => m.Data)));
        Assert.Equal(js.GetProperty("profile").GetString(), r.Header.Profile);
        foreach (var s in js.GetProperty("schemas").EnumerateArray())
        {
            var ours = r.Schemas[(ushort)s.GetProperty("id").GetInt32()];
            Assert.Equal(s.GetProperty("name").GetString(), ours.Name);
            Assert.Equal(s.GetProperty("encoding").GetString(), ours.Encoding);
            Assert.Equal(s.GetProperty("data").GetString(), System.Text.Encoding.UTF8.GetString(ours.Data));
        }
        foreach (var c in js.GetProperty("channels").EnumerateArray())
        {
            var ours = r.Channels[(ushort)c.GetProperty("id").GetInt32()];
            Assert.Equal(c.GetProperty("topic").GetString(), ours.Topic);
            Assert.Equal(c.GetProperty("messageEncoding").GetString(), ours.MessageEncoding);
            foreach (var kv in c.GetProperty("metadata").EnumerateObject()) Assert.Equal(kv.Value.GetString(), ours.Metadata[kv.Name]);
        }
    }
}
