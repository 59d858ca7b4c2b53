using DepthNode.RosGraph;

namespace DepthNode.Core.Tests.RosGraph;

public class RosNameTests
{
    [Theory]
    [InlineData("image", "depth_node", "/", "/image")]
    [InlineData("image", "depth_node", "/front", "/front/image")]
    [InlineData("/image", "depth_node", "/front", "/image")]
    [InlineData("~/image", "depth_node", "/front", "/front/depth_node/image")]
    [InlineData("~", "depth_node", "/", "/depth_node")]
    [InlineData("{node}/image", "cam", "/a/b", "/a/b/cam/image")]
    [InlineData("{ns}/image", "cam", "/a", "/a/image")]
    public void Expand_AsTheTopicNamesDesignArticle(string name, string node, string ns, string expected) =>
        Assert.Equal(expected, RosName.Expand(name, node, ns));

    [Theory]
    [InlineData("camera/image_raw", null)]
    [InlineData("~/out", null)]
    [InlineData("", "empty")]
    [InlineData("image/", "ends with '/'")]
    [InlineData("a//b", "contains '//'")]
    [InlineData("a b", "' ' is not allowed")]
    [InlineData("cam/2d", "may not start with a digit")]
    [InlineData("a~b", "'~' may only start the name")]
    public void ValidateTopic_FlagsWhatRclRefuses(string name, string? expected)
    {
        var why = RosName.ValidateTopic(name);
        if (expected is null) Assert.Null(why);
        else Assert.Contains(expected, why);
    }
}
