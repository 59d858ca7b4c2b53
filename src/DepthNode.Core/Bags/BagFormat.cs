namespace DepthNode.Bags;

/// <summary>
/// Which rosbag2 release a written bag is laid out for. Readers only parse what their release knows, and Humble's
/// reader (rosbag2 0.15) reads <c>offered_qos_profiles</c> as a string of YAML with integer enums: it fails on the
/// list of enum names that metadata version 9 writes (Iron's reader too). Jazzy and later read both layouts, so
/// <see cref="Humble"/> is the layout every distro reads.
/// </summary>
public enum BagFormat
{
    /// <summary>metadata.yaml version 5 (Humble's field set), QoS as integer-enum YAML text in metadata.yaml and in
    /// the storage file, the MCAP <c>rosbag2</c> record <c>{ROS_DISTRO: humble}</c>, ros_distro <c>humble</c>.</summary>
    Humble,

    /// <summary>metadata.yaml version 9 (QoS as a list of enum names, type hashes, custom_data, ros_distro), the MCAP
    /// <c>rosbag2</c> record holding the serialized metadata, ros_distro <c>jazzy</c>. Humble and Iron cannot read it.</summary>
    Jazzy,
}
