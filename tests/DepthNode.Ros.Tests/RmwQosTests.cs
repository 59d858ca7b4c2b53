using DepthNode.RosGraph;

namespace DepthNode.Ros.Tests;

/// <summary>The shim copies these integers into rmw_qos_profile_t, so they must be rmw's enum values (rmw/types.h:
/// history KEEP_LAST 1, KEEP_ALL 2; reliability RELIABLE 1, BEST_EFFORT 2; durability TRANSIENT_LOCAL 1, VOLATILE 2).</summary>
public class RmwQosTests
{
    [Fact]
    public void From_SensorData_IsRmwQosProfileSensorData()
    {
        // rmw_qos_profile_sensor_data = { KEEP_LAST, 5, BEST_EFFORT, VOLATILE, ... }
        Assert.Equal(new RmwQos(1, 5, 2, 2), RmwQos.From(QosProfile.SensorData));
    }

    [Fact]
    public void From_KeepAllReliableTransientLocal_MapsEachPolicy()
    {
        var q = new QosProfile(QosHistory.KeepAll, 7, QosReliability.Reliable, QosDurability.TransientLocal);
        Assert.Equal(new RmwQos(2, 7, 1, 1), RmwQos.From(q));
    }
}
