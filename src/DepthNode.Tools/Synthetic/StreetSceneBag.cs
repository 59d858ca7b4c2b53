using DepthNode.Bags;
using DepthNode.Cdr;
using DepthNode.Messages;

namespace DepthNode.Synthetic;

/// <summary>
/// Records <see cref="StreetScene"/> frames as a camera driver would publish them (rgb8 images on
/// /camera/image_raw, CameraInfo on /camera/camera_info, 10 Hz): the default input of `depthnode run`, available on
/// any machine. Ground truth depth is not in the bag; <see cref="StreetScene.Render"/> reproduces it exactly.
/// </summary>
public static class StreetSceneBag
{
    public const string ImageTopic = "/camera/image_raw";
    public const string CameraInfoTopic = "/camera/camera_info";

    /// <summary>Driver-side QoS: reliable, keep-last 10.</summary>
    private static readonly string DriverQos = QosYaml.ReliableVolatileKeepLast(10);

    public static void Write(string folder, int frames, BagStorage storage = BagStorage.Mcap)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(frames, 1);
        using var bag = BagWriter.Create(folder, storage);
        bag.AddTopic(new TopicInfo(ImageTopic, Image.RosTypeName, "cdr", DriverQos, "", MessageDefinitions.Get(Image.RosTypeName)));
        bag.AddTopic(new TopicInfo(CameraInfoTopic, CameraInfo.RosTypeName, "cdr", DriverQos, "", MessageDefinitions.Get(CameraInfo.RosTypeName)));
        var depth = new float[StreetScene.Width * StreetScene.Height];
        using var image = new CdrWriter(StreetScene.Width * StreetScene.Height * 3 + 256);
        using var info = new CdrWriter(1024);
        for (var f = 0; f < frames; f++)
        {
            var header = StreetScene.HeaderAt(f);
            var t = header.Stamp.TotalNanoseconds;
            image.Reset();
            var pixels = Image.WriteUpToData(image, header, StreetScene.Height, StreetScene.Width, "rgb8", StreetScene.Width * 3);
            StreetScene.Render(f, pixels, depth);
            image.Flush();
            info.Reset();
            RosMessage.Serialize(StreetScene.CameraInfoAt(f), info);
            // The driver publishes CameraInfo right after its image; a receiver logs them a few microseconds apart.
            bag.Write(ImageTopic, t + 2_000_000, t + 1_000_000, image.WrittenSpan);
            bag.Write(CameraInfoTopic, t + 2_050_000, t + 1_000_000, info.WrittenSpan);
        }
    }
}
