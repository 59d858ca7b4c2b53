namespace DepthNode.RosGraph;

public enum QosReliability { BestEffort, Reliable }

public enum QosDurability { Volatile, TransientLocal }

public enum QosHistory { KeepLast, KeepAll }

/// <summary>
/// The QoS policies a topic is subscribed or published with (the four that decide whether publisher and subscriber
/// match and how many messages wait). The adapter maps it one to one onto rcldotnet's <c>QosProfile</c>.
/// </summary>
public sealed record QosProfile(QosHistory History, int Depth, QosReliability Reliability, QosDurability Durability)
{
    /// <summary>rmw_qos_profile_sensor_data: best effort, volatile, keep last 5 (REP 2003 for sensor subscriptions).</summary>
    public static QosProfile SensorData { get; } = new(QosHistory.KeepLast, 5, QosReliability.BestEffort, QosDurability.Volatile);

    /// <summary>The profile as rosbag2's metadata.yaml (v9) records an offered QoS; the other policies at their defaults.</summary>
    public string ToBagYaml() =>
        $"- history: {NodeLogic.SnakeCase.From(History.ToString())}\n  depth: {Depth.ToString(System.Globalization.CultureInfo.InvariantCulture)}\n" +
        $"  reliability: {NodeLogic.SnakeCase.From(Reliability.ToString())}\n  durability: {NodeLogic.SnakeCase.From(Durability.ToString())}\n" +
        "  deadline:\n    sec: 9223372036\n    nsec: 854775807\n  lifespan:\n    sec: 9223372036\n    nsec: 854775807\n" +
        "  liveliness: automatic\n  liveliness_lease_duration:\n    sec: 9223372036\n    nsec: 854775807\n" +
        "  avoid_ros_namespace_conventions: false\n";

    /// <summary>As <c>ros2 topic info -v</c> shows it, and the bag metadata's offered_qos_profiles carry it.</summary>
    public override string ToString() =>
        $"{NodeLogic.SnakeCase.From(Reliability.ToString())}, {NodeLogic.SnakeCase.From(Durability.ToString())}, " +
        (History == QosHistory.KeepAll ? "keep_all" : $"keep_last {Depth}");
}
