using DepthNode.Bags;
using DepthNode.Cdr;
using DepthNode.Distill.Frames;
using DepthNode.Messages;
using DepthNode.Tests;
using OpenCvSharp;

namespace DepthNode.Distill.Tests.Frames;

/// <summary>Frames from real bags and files, compared with OpenCV's own decoding of the same bytes.</summary>
public sealed class FrameSetTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("frame-set-");

    public void Dispose() => _dir.Delete(recursive: true);

    /// <summary>OpenCV's BGR (or grey) Mat as packed RGB bytes: the independent reference.</summary>
    private static byte[] Rgb(Mat mat)
    {
        using var rgb = new Mat();
        Cv2.CvtColor(mat, rgb, mat.Channels() == 1 ? ColorConversionCodes.GRAY2RGB : ColorConversionCodes.BGR2RGB);
        rgb.GetArray(out Vec3b[] px);
        return px.SelectMany(p => new[] { p.Item0, p.Item1, p.Item2 }).ToArray();
    }

    [Fact]
    public void Open_RosbagJsSqliteRawAndCompressedTopics_PixelsEqualTheMessagesDecodedByOpenCv()
    {
        var bag = SharedData.Path("bags", "rosbag2js", "sample.db3");
        byte[] raw = [], jpeg = [];
        int width = 0, height = 0;
        using (var reader = BagReader.Open(bag))
            foreach (var m in reader.ReadMessages(new BagReadOptions { Topics = ["/image", "/image/compressed"] }))
            {
                var r = new CdrReader(m.Data.Span);
                if (m.Topic.Name == "/image" && raw.Length == 0)
                {
                    var image = Image.Read(ref r, m.Data);
                    (width, height, raw) = ((int)image.Width, (int)image.Height, image.Data.ToArray());
                }
                else if (m.Topic.Name == "/image/compressed" && jpeg.Length == 0) jpeg = CompressedImage.Read(ref r, m.Data).Data.ToArray();
            }

        using var set = FrameSet.Open([new BagFrames(bag, "/image"), new BagFrames(bag, "/image/compressed")], []);
        var rawFrame = set.Load(0);
        var jpegFrame = set.Load(set.Keys.ToList().FindIndex(k => k.Contains("/image/compressed|")));

        using var bgr = Mat.FromPixelData(height, width, MatType.CV_8UC3, raw);
        Assert.Equal((width, height), (rawFrame.Width, rawFrame.Height));
        Assert.Equal(Rgb(bgr), rawFrame.Rgb);
        using var decoded = Cv2.ImDecode(jpeg, ImreadModes.Color);
        Assert.Equal(Rgb(decoded), jpegFrame.Rgb);
        Assert.StartsWith($"bag:{Path.GetFullPath(bag)}|/image|", set.Keys[0]);
    }

    [Fact]
    public void Open_McapOfKittiFramesWithTimeRangeAndStride_SelectsThoseMessagesInOrder()
    {
        // Six real KITTI grey frames as mono8 Images at t = 0..5 s; [1 s, 5 s) with stride 2 is t = 1 and 3.
        var files = Directory.EnumerateFiles(SharedData.Path("data", "kitti", "odometry_07", "image_0")).Order(StringComparer.Ordinal).Take(6).ToList();
        var path = Path.Combine(_dir.FullName, "bag");
        const long t0 = 1_700_000_000_000_000_000;
        using (var writer = BagWriter.Create(path))
        using (var cdr = new CdrWriter())
        {
            writer.AddTopic(new TopicInfo("/cam", Image.RosTypeName, "cdr", "", "", MessageDefinitions.Get(Image.RosTypeName), "ros2msg"));
            for (var i = 0; i < files.Count; i++)
            {
                using var grey = Cv2.ImRead(files[i], ImreadModes.Grayscale);
                grey.GetArray(out byte[] px);
                var stamp = t0 + i * 1_000_000_000L;
                cdr.Reset();
                RosMessage.Serialize(new Image(new Header(RosTime.FromNanoseconds(stamp), "cam"), (uint)grey.Rows, (uint)grey.Cols, "mono8", 0, (uint)grey.Cols, px), cdr);
                writer.Write("/cam", stamp, stamp, cdr.WrittenSpan);
            }
        }

        using var set = FrameSet.Open([new BagFrames(path, "/cam", StartSeconds: 1, EndSeconds: 5, Stride: 2)], []);

        Assert.Equal([$"bag:{Path.GetFullPath(path)}|/cam|{t0 + 1_000_000_000L}", $"bag:{Path.GetFullPath(path)}|/cam|{t0 + 3_000_000_000L}"], set.Keys);
        using var third = Cv2.ImRead(files[3], ImreadModes.Grayscale);
        Assert.Equal(Rgb(third), set.Load(1).Rgb);
    }

    [Fact]
    public void Open_FolderWithPatternAndStride_FileKeysHashTheBytesAndPixelsEqualOpenCv()
    {
        var folder = SharedData.Path("data", "7scenes_redkitchen");
        using var set = FrameSet.Open([], [new FolderFrames(folder, "*.color.jpg", Stride: 100)]);

        var expected = Directory.EnumerateFiles(folder, "*.color.jpg").Order(StringComparer.Ordinal).Where((_, i) => i % 100 == 0).ToList();
        Assert.Equal(expected.Count, set.Count);
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(expected[1])));
        Assert.Equal($"file:{Path.GetFullPath(expected[1])}|sha256:{hash}", set.Keys[1]);
        using var bgr = Cv2.ImRead(expected[1], ImreadModes.Color);
        Assert.Equal(Rgb(bgr), set.Load(1).Rgb);
    }

    [Fact]
    public void EpochOrder_SameSeedAndEpoch_SamePermutationOtherEpochAnother()
    {
        var a = FrameSet.EpochOrder(50, 7, 3);
        Assert.Equal(a, FrameSet.EpochOrder(50, 7, 3));
        Assert.Equal(Enumerable.Range(0, 50), a.Order());
        Assert.NotEqual(a, FrameSet.EpochOrder(50, 7, 4));
        Assert.NotEqual(a, FrameSet.EpochOrder(50, 8, 3));
    }

    [Fact]
    public void Open_TopicThatIsNotAnImage_OneLineNamingTopicAndType()
    {
        var bag = SharedData.Path("bags", "rosbag2js", "sample.db3");
        var e = Assert.Throws<InvalidDataException>(() => FrameSet.Open([new BagFrames(bag, "/text")], []));
        Assert.Contains("topic /text is std_msgs", e.Message);
    }
}
