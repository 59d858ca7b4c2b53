using DepthNode.NodeLogic;
using DepthNode.RosGraph;
using YamlDotNet.RepresentationModel;

namespace DepthNode.Ros.Tests.Package;

/// <summary>config/depth_node.rviz must parse and show the node's topics under the names and with QoS the node really
/// uses (resolved from config/depth_node.yaml by the core): a reliable rviz subscription on a best-effort publisher, or
/// a stale topic name, is the classic empty rviz window.</summary>
public class RvizConfigTests
{
    private static readonly NodeConfiguration Node =
        NodeConfiguration.FromArguments(["depth_node", "--ros-args", "--params-file", PackageFiles.Path("config", "depth_node.yaml")]);

    private static List<YamlMappingNode> Displays(out YamlMappingNode manager)
    {
        var yaml = new YamlStream();
        using (var reader = File.OpenText(PackageFiles.Path("config", "depth_node.rviz"))) yaml.Load(reader);
        manager = (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode).Children[new YamlScalarNode("Visualization Manager")];
        return ((YamlSequenceNode)manager.Children[new YamlScalarNode("Displays")]).Children.Cast<YamlMappingNode>().ToList();
    }

    private static string Scalar(YamlMappingNode map, params string[] path)
    {
        YamlNode node = map;
        foreach (var key in path) node = ((YamlMappingNode)node).Children[new YamlScalarNode(key)];
        return ((YamlScalarNode)node).Value ?? "";
    }

    private static YamlMappingNode Display(List<YamlMappingNode> displays, string type, string topic) =>
        displays.SingleOrDefault(d => Scalar(d, "Class") == "rviz_default_plugins/" + type && Scalar(d, "Topic", "Value") == topic)
            ?? throw new Xunit.Sdk.XunitException($"no {type} display on {topic} in config/depth_node.rviz");

    [Fact]
    public void RvizConfig_ShowsTheImage_TheColourisedDepthAndTheCloud()
    {
        var displays = Displays(out var manager);
        Display(displays, "Image", Node.NameOf(NodeTopic.Image));
        Display(displays, "Image", Node.NameOf(NodeTopic.Colorized));
        Display(displays, "PointCloud2", Node.NameOf(NodeTopic.Cloud));
        // The launch file replaces it with -f; the file still needs one for rviz started by hand.
        Assert.NotEmpty(Scalar(manager, "Global Options", "Fixed Frame"));
    }

    [Fact]
    public void RvizConfig_SubscriptionQos_IsCompatibleWithTheNodesPublishers()
    {
        var displays = Displays(out _);
        foreach (var role in (NodeTopic[])[NodeTopic.Colorized, NodeTopic.Cloud])
        {
            var topic = Node.Topic(role)!;
            var display = Display(displays, role == NodeTopic.Cloud ? "PointCloud2" : "Image", topic.Name);
            // DDS matching: a reliable reader needs a reliable writer, a transient-local reader a transient-local writer.
            if (Scalar(display, "Topic", "Reliability Policy") == "Reliable")
                Assert.Equal(QosReliability.Reliable, topic.Qos.Reliability);
            if (Scalar(display, "Topic", "Durability Policy") == "Transient Local")
                Assert.Equal(QosDurability.TransientLocal, topic.Qos.Durability);
        }
    }
}
