using DepthNode.Bags;
using DepthNode.RosGraph;

namespace DepthNode.Core.Tests.RosGraph;

public class QosProfileTests
{
    [Fact]
    public void ToBagYaml_DefaultOutputProfile_IsWhatBagsRecordedBeforeWrote()
    {
        var reliable = new QosProfile(QosHistory.KeepLast, 5, QosReliability.Reliable, QosDurability.Volatile);
        Assert.Equal(QosYaml.ReliableVolatileKeepLast(5), reliable.ToBagYaml());
    }

    [Fact]
    public void ToBagYaml_SensorData_NamesEveryPolicy()
    {
        var yaml = QosProfile.SensorData.ToBagYaml();
        Assert.StartsWith("- history: keep_last\n  depth: 5\n  reliability: best_effort\n  durability: volatile\n", yaml);
        Assert.Equal("best_effort, volatile, keep_last 5", QosProfile.SensorData.ToString());
    }
}
