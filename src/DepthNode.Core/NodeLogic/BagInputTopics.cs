using DepthNode.Bags;

namespace DepthNode.NodeLogic;

/// <summary>Where a bag run reads its inputs; chosen against the bag's topics before the run.</summary>
/// <param name="Compressed">The image topic is sensor_msgs/CompressedImage (decided by the topic's type, never its name).</param>
public sealed record BagInputTopics(string Image, bool Compressed, string CameraInfo, string? SparseDepth)
{
    private const string ImageType = "sensor_msgs/msg/Image";
    private const string CompressedImageType = "sensor_msgs/msg/CompressedImage";
    private const string CameraInfoType = "sensor_msgs/msg/CameraInfo";

    /// <summary>
    /// Topics the user named explicitly (on the command line): each must exist in the bag with the right type, or the
    /// run is refused. Topics only configured (defaults, params file) fall back to what the bag has, and say so.
    /// </summary>
    public sealed record Named(string? Image = null, string? CompressedImage = null, string? CameraInfo = null);

    /// <summary>
    /// The named topics; otherwise the configured ones if the bag has them; otherwise the bag's only Image (or
    /// CompressedImage) topic and the camera_info beside it, so a bag recorded under other names still runs (the
    /// choice is logged). Whether frames are decoded as Image or CompressedImage follows the chosen topic's type.
    /// </summary>
    /// <exception cref="BagFormatException">A named topic is missing or of the wrong type, a configured one is of
    /// the wrong type, or no image topic can be chosen; the message lists the bag's image topics.</exception>
    public static BagInputTopics Choose(BagInfo info, DepthNodeOptions options, ILogSink log, Named? named = null)
    {
        named ??= new Named();
        var topics = info.Topics;
        // The names the node would subscribe to (relative ones resolved under its namespace, remaps applied).
        var names = NodeConfiguration.ForOptions(options);
        options = options with
        {
            ImageTopic = names.ResolveName(options.ImageTopic),
            CompressedImageTopic = names.ResolveName(options.CompressedImageTopic),
            CameraInfoTopic = names.ResolveName(options.CameraInfoTopic),
            SparseDepthTopic = names.ResolveName(options.SparseDepthTopic),
        };
        TopicSummary? Find(string name) => topics.FirstOrDefault(t => t.Topic.Name == name);
        string ImageTopics()
        {
            var images = topics.Where(t => Is(t, ImageType) || Is(t, CompressedImageType)).Select(t => $"{t.Topic.Name} ({t.Topic.Type})").ToList();
            return images.Count == 0 ? "the bag has no Image or CompressedImage topic" : "the bag's image topics: " + string.Join(", ", images);
        }

        if (named.Image is not null && named.CompressedImage is not null)
            throw new BagFormatException($"name either an image topic ({named.Image}) or a compressed image topic ({named.CompressedImage}), not both");
        string image;
        bool compressed;
        if ((named.Image ?? named.CompressedImage) is { } wanted)
        {
            var t = Find(wanted) ?? throw new BagFormatException($"image topic {wanted} is not in the bag; {ImageTopics()}");
            if (named.CompressedImage is not null && !Is(t, CompressedImageType))
                throw new BagFormatException($"compressed image topic {wanted} is {t.Topic.Type}, not {CompressedImageType}" +
                    (Is(t, ImageType) ? "; name it as the image topic instead" : $"; {ImageTopics()}"));
            (image, compressed) = (wanted, ImageKind(t, ImageTopics));
        }
        else if ((Find(options.ImageTopic) ?? Find(options.CompressedImageTopic)) is { } configured)
            (image, compressed) = (configured.Topic.Name, ImageKind(configured, ImageTopics));
        else
        {
            var raw = topics.Where(t => Is(t, ImageType) && t.Topic.Name != options.SparseDepthTopic).ToList();
            var comp = topics.Where(t => Is(t, CompressedImageType)).ToList();
            if (raw.Count == 1) (image, compressed) = (raw[0].Topic.Name, false);
            else if (raw.Count == 0 && comp.Count == 1) (image, compressed) = (comp[0].Topic.Name, true);
            else throw new BagFormatException(
                $"the bag has no topic {options.ImageTopic} and {raw.Count} Image / {comp.Count} CompressedImage topics " +
                $"({string.Join(", ", raw.Concat(comp).Select(t => t.Topic.Name))}); name one with --image-topic or --compressed-image-topic");
            log.Write(LogLevel.Info, $"image topic {options.ImageTopic} not in the bag; using {image}");
        }

        var cameraInfo = named.CameraInfo ?? options.CameraInfoTopic;
        if (Find(cameraInfo) is { } info0)
        {
            if (!Is(info0, CameraInfoType))
                throw new BagFormatException($"camera_info topic {cameraInfo} is {info0.Topic.Type}, not {CameraInfoType}");
        }
        else if (named.CameraInfo is not null)
        {
            var infos = topics.Where(t => Is(t, CameraInfoType)).Select(t => t.Topic.Name).ToList();
            throw new BagFormatException($"camera_info topic {cameraInfo} is not in the bag; " +
                (infos.Count == 0 ? "the bag has no CameraInfo topic" : "its CameraInfo topics: " + string.Join(", ", infos)));
        }
        else
        {
            var infos = topics.Where(t => Is(t, CameraInfoType)).ToList();
            var ns = image[..Math.Max(0, image.LastIndexOf('/'))];
            var sibling = infos.FirstOrDefault(t => t.Topic.Name == ns + "/camera_info") ?? (infos.Count == 1 ? infos[0] : null);
            if (sibling is not null)
            {
                cameraInfo = sibling.Topic.Name;
                log.Write(LogLevel.Info, $"camera_info topic {options.CameraInfoTopic} not in the bag; using {cameraInfo}");
            }
            else log.Write(LogLevel.Warn, $"the bag has no camera_info topic for {image}; every frame will be dropped (no intrinsics)");
        }

        string? sparse = null;
        if (options.MetricSource == Depth.MetricSource.SparseDepth)
        {
            sparse = options.SparseDepthTopic;
            if (Find(sparse) is { } s && !Is(s, ImageType))
                throw new BagFormatException($"sparse depth topic {sparse} is {s.Topic.Type}, not {ImageType}");
        }
        return new BagInputTopics(image, compressed, cameraInfo, sparse);
    }

    /// <summary>True for CompressedImage, false for Image; any other type is refused by name.</summary>
    private static bool ImageKind(TopicSummary t, Func<string> imageTopics) =>
        Is(t, CompressedImageType) ? true
        : Is(t, ImageType) ? false
        : throw new BagFormatException($"image topic {t.Topic.Name} is {t.Topic.Type}, not {ImageType} or {CompressedImageType}; {imageTopics()}");

    /// <summary>Type names as rosbag2 writes them (<c>pkg/msg/T</c>) and as older tools did (<c>pkg/T</c>).</summary>
    private static bool Is(TopicSummary t, string type) =>
        t.Topic.Type == type || t.Topic.Type == type.Replace("/msg/", "/", StringComparison.Ordinal);
}
