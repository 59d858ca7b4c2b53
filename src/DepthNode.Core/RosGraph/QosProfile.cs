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

    /// <summary>As <c>ros2 topic info -v</c> shows it, and the bag metadata's offered_qos_profiles carry it.</summary>
    public override string ToString() =>
        $"{NodeLogic.SnakeCase.From(Reliability.ToString())}, {NodeLogic.SnakeCase.From(Durability.ToString())}, " +
        (History == QosHistory.KeepAll ? "keep_all" : $"keep_last {Depth}");
}
