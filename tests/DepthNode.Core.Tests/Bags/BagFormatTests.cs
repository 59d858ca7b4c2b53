using System.Text;
using DepthNode.Bags;
using DepthNode.Bags.Mcap;
using DepthNode.Tests;
using Microsoft.Data.Sqlite;
using YamlDotNet.RepresentationModel;

namespace DepthNode.Core.Tests.Bags;

/// <summary>Bags written in Humble's layout, checked against Humble's reader rules (<see cref="HumbleBagRules"/>).</summary>
public class BagFormatTests
{
    private static string Rosbag2(params string[] parts) => SharedData.Path(["bags", "rosbag2", .. parts]);

    private static string TempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "depthnode-bagformat-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(d);
        return d;
    }

    private static YamlMappingNode Info(string yamlText)
    {
        var s = new YamlStream();
        s.Load(new StringReader(yamlText));
        return (YamlMappingNode)((YamlMappingNode)s.Documents[0].RootNode).Children["rosbag2_bagfile_information"];
    }

    /// <summary>A QoS YAML text as "key.sub=value" pairs per profile, so two spellings of the same profiles compare equal.</summary>
    private static List<string> Flatten(string qosText)
    {
        var s = new YamlStream();
        s.Load(new StringReader(qosText));
        var result = new List<string>();
        void Walk(YamlNode n, string prefix)
        {
            switch (n)
            {
                case YamlSequenceNode seq: for (var i = 0; i < seq.Children.Count; i++) Walk(seq.Children[i], $"{prefix}[{i}]"); break;
                case YamlMappingNode map: foreach (var (k, v) in map.Children) Walk(v, $"{prefix}.{((YamlScalarNode)k).Value}"); break;
                case YamlScalarNode sc: result.Add($"{prefix}={sc.Value}"); break;
            }
        }
        Walk(s.Documents[0].RootNode, "");
        return result;
    }

    public static TheoryData<string, string, string[]> RealBags => new()
    {
        { "mcap", "talker", ["rosbag2_py", "test", "resources", "mcap", "talker"] },
        { "sqlite3", "talker", ["rosbag2_py", "test", "resources", "sqlite3", "talker"] },
        { "mcap", "cdr_test", ["rosbag2_tests", "resources", "mcap", "cdr_test"] },
        { "sqlite3", "service_events", ["rosbag2_tests", "resources", "sqlite3", "bag_with_topics_and_service_events"] },
    };

    [Theory]
    [MemberData(nameof(RealBags))]
    public void Convert_RealBagToHumble_MetadataHumbleReads_AndReadsBackUnchanged(string storage, string name, string[] path)
    {
        var input = Rosbag2(path);
        var output = Path.Combine(TempDir(), name);
        var bagStorage = storage == "mcap" ? BagStorage.Mcap : BagStorage.Sqlite3;
        using (var src = BagReader.Open(input)) BagConverter.Convert(src, output, bagStorage, McapCompression.None, new BagWriterOptions { Format = BagFormat.Humble });

        var yaml = File.ReadAllText(Path.Combine(output, "metadata.yaml"));
        Assert.Empty(HumbleBagRules.Violations(yaml));
        var info = Info(yaml);
        Assert.Equal("5", ((YamlScalarNode)info.Children["version"]).Value);
        Assert.Equal(HumbleBagRules.MetadataKeys.Order(), info.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).Order());
        foreach (var t in ((YamlSequenceNode)info.Children["topics_with_message_count"]).Children.Cast<YamlMappingNode>())
            Assert.Equal(HumbleBagRules.TopicMetadataKeys.Order(), ((YamlMappingNode)t.Children["topic_metadata"]).Children.Keys.Select(k => ((YamlScalarNode)k).Value!).Order());
        foreach (var file in ((YamlSequenceNode)info.Children["relative_file_paths"]).Children.Cast<YamlScalarNode>())
            Assert.True(File.Exists(Path.Combine(output, file.Value!)), file.Value);

        // The count against the input's own metadata.yaml (written by rosbag2), read here with YamlDotNet.
        var source = Info(File.ReadAllText(Path.Combine(input, "metadata.yaml")));
        Assert.Equal(((YamlScalarNode)source.Children["message_count"]).Value, ((YamlScalarNode)info.Children["message_count"]).Value);

        using var a = BagReader.Open(input);
        // Each topic's QoS says what the input's storage file says (the talker's metadata.yaml and storage disagree on
        // infinite durations; conversion copies the storage's profiles), in integer form.
        var inputQos = a.Info.Topics.ToDictionary(t => t.Topic.Name, t => t.Topic.OfferedQosProfiles);
        foreach (var t in ((YamlSequenceNode)info.Children["topics_with_message_count"]).Children.Cast<YamlMappingNode>())
        {
            var tm = (YamlMappingNode)t.Children["topic_metadata"];
            var written = ((YamlScalarNode)tm.Children["offered_qos_profiles"]).Value!;
            var original = inputQos[((YamlScalarNode)tm.Children["name"]).Value!];
            Assert.Equal(original.Length == 0 ? [] : Flatten(original), written.Length == 0 ? [] : Flatten(written));
        }

        using var b = BagReader.Open(output);
        Assert.Equal(5, b.Info.MetadataVersion);
        var expected = a.ReadMessages().Select(m => (m.Topic.Name, m.LogTimeNs, Convert.ToHexString(m.Data.Span))).ToList();
        Assert.Equal(expected, b.ReadMessages().Select(m => (m.Topic.Name, m.LogTimeNs, Convert.ToHexString(m.Data.Span))).ToList());
    }

    [Fact]
    public void Convert_RealBagToJazzy_HumbleRulesRefuseTheQosList()
    {
        // The rules are not vacuous: version 9's QoS list is exactly what Humble's reader fails on.
        var output = Path.Combine(TempDir(), "talker");
        using (var src = BagReader.Open(Rosbag2("rosbag2_py", "test", "resources", "mcap", "talker")))
            BagConverter.Convert(src, output, BagStorage.Mcap, McapCompression.None, new BagWriterOptions { Format = BagFormat.Jazzy });
        var violations = HumbleBagRules.Violations(File.ReadAllText(Path.Combine(output, "metadata.yaml")));
        Assert.Equal(["/parameter_events", "/rosout", "/topic"], violations.Select(v => v.Split(' ')[2].TrimEnd(':')).Order());
        Assert.All(violations, v => Assert.EndsWith(": not a string", v));
    }

    // rmw/types.h (Humble): history keep_last 1, keep_all 2; reliability reliable 1, best_effort 2; durability
    // transient_local 1, volatile 2; liveliness automatic 1, manual_by_topic 3.
    [Theory]
    [InlineData("keep_last", "reliable", "volatile", "automatic", "1", "1", "2", "1")]
    [InlineData("keep_all", "best_effort", "transient_local", "manual_by_topic", "2", "2", "1", "3")]
    public void ToIntegerEnums_EnumNames_BecomeRmwValues(string history, string reliability, string durability, string liveliness,
        string h, string r, string d, string l)
    {
        var names = $"- history: {history}\n  depth: 7\n  reliability: {reliability}\n  durability: {durability}\n" +
            "  deadline:\n    sec: 9223372036\n    nsec: 854775807\n  lifespan:\n    sec: 0\n    nsec: 0\n" +
            $"  liveliness: {liveliness}\n  liveliness_lease_duration:\n    sec: 9223372036\n    nsec: 854775807\n  avoid_ros_namespace_conventions: false\n";
        var ints = QosYaml.ToIntegerEnums(names);
        Assert.Empty(HumbleBagRules.QosViolations(ints));
        Assert.Equal(["[0].history=" + h, "[0].depth=7", "[0].reliability=" + r, "[0].durability=" + d,
            "[0].deadline.sec=9223372036", "[0].deadline.nsec=854775807", "[0].lifespan.sec=0", "[0].lifespan.nsec=0",
            "[0].liveliness=" + l, "[0].liveliness_lease_duration.sec=9223372036", "[0].liveliness_lease_duration.nsec=854775807",
            "[0].avoid_ros_namespace_conventions=false"], Flatten(ints));
    }

    [Fact]
    public void ToIntegerEnums_TextAlreadyHumbles_KeepsItsBytes()
    {
        var original = ((YamlScalarNode)((YamlMappingNode)((YamlMappingNode)((YamlSequenceNode)Info(File.ReadAllText(
            Path.Combine(Rosbag2("rosbag2_py", "test", "resources", "mcap", "talker"), "metadata.yaml"))).Children["topics_with_message_count"])
            .Children[0]).Children["topic_metadata"]).Children["offered_qos_profiles"]).Value!;
        Assert.Same(original, QosYaml.ToIntegerEnums(original));
    }

    /// <summary>Real talker messages on a topic offered as the node's publishers offer (v9 enum names).</summary>
    private static string WriteNodeStyleBag(BagStorage storage)
    {
        var output = Path.Combine(TempDir(), "node");
        using var src = BagReader.Open(Rosbag2("rosbag2_py", "test", "resources", "mcap", "talker"));
        using var w = BagWriter.Create(output, storage, McapCompression.None, new BagWriterOptions { Format = BagFormat.Humble });
        var topic = src.Info.Topics.Single(t => t.Topic.Name == "/topic").Topic with { OfferedQosProfiles = QosYaml.ReliableVolatileKeepLast(5) };
        w.AddTopic(topic);
        foreach (var m in src.ReadMessages(new BagReadOptions { Topics = ["/topic"] })) w.Write("/topic", m.LogTimeNs, m.PublishTimeNs, m.Data.Span);
        return output;
    }

    [Fact]
    public void HumbleSqlite_HumblesOwnQueries_ReadTopicsWithIntegerQosAndEveryMessage()
    {
        var output = WriteNodeStyleBag(BagStorage.Sqlite3);
        Assert.Empty(HumbleBagRules.Violations(File.ReadAllText(Path.Combine(output, "metadata.yaml"))));
        // The statements of Humble's rosbag2_storage_default_plugins sqlite_storage.cpp, verbatim.
        using var db = new SqliteConnection($"Data Source={Path.Combine(output, "node_0.db3")};Mode=ReadOnly;Pooling=False");
        db.Open();
        using (var c = new SqliteCommand("SELECT ros_distro from schema;", db)) Assert.Equal("humble", c.ExecuteScalar());
        using (var c = new SqliteCommand("SELECT name, type, serialization_format, offered_qos_profiles FROM topics ORDER BY id;", db))
        using (var r = c.ExecuteReader())
        {
            Assert.True(r.Read());
            Assert.Equal(("/topic", "std_msgs/msg/String", "cdr"), (r.GetString(0), r.GetString(1), r.GetString(2)));
            Assert.Empty(HumbleBagRules.QosViolations(r.GetString(3)));
            Assert.Contains("[0].reliability=1", Flatten(r.GetString(3)));
            Assert.False(r.Read());
        }
        using (var c = new SqliteCommand("SELECT data, timestamp, topics.name, messages.id FROM messages JOIN topics ON messages.topic_id = topics.id WHERE " +
            "(((timestamp = 0) AND (messages.id >= 0)) OR (timestamp > 0)) ORDER BY messages.timestamp, messages.id;", db))
        using (var r = c.ExecuteReader())
        {
            var n = 0;
            while (r.Read()) n++;
            Assert.Equal(10, n); // the talker's /topic (its metadata.yaml)
        }
    }

    [Fact]
    public void HumbleMcap_Rosbag2RecordNamesTheDistro_ChannelQosHasIntegerEnums()
    {
        var output = WriteNodeStyleBag(BagStorage.Mcap);
        using var r = McapReader.Open(Path.Combine(output, "node_0.mcap"));
        // Humble's MCAP plugin writes only {ROS_DISTRO: humble}; serialized_metadata came with Iron.
        Assert.Equal(["ROS_DISTRO=humble"], r.ReadMetadata().Single(m => m.Name == "rosbag2").Values.Select(kv => $"{kv.Key}={kv.Value}"));
        var qos = r.Channels.Values.Single().Metadata["offered_qos_profiles"];
        Assert.Empty(HumbleBagRules.QosViolations(qos));
        Assert.Equal(["[0].history=1", "[0].depth=5", "[0].reliability=1", "[0].durability=2"], Flatten(qos).Take(4));
    }
}
