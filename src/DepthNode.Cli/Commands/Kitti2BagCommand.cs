using DepthNode.Bags;
using DepthNode.Cdr;
using DepthNode.CommandLine;
using DepthNode.Messages;
using OpenCvSharp;

namespace DepthNode.Cli.Commands;

/// <summary>
/// <c>depthnode kitti2bag &lt;folder&gt; &lt;out&gt;</c>: a KITTI odometry sequence folder (<c>image_0</c>…<c>image_3</c>,
/// <c>calib.txt</c>, <c>times.txt</c>, optional poses) or a raw drive folder (<c>image_00/data</c>…, timestamps,
/// <c>calib_cam_to_cam.txt</c>) into a rosbag2 bag shaped like a vehicle recording:
/// per camera <c>/kitti/camera_N/image_raw</c> (mono8 or rgb8 as the PNGs are) and <c>/kitti/camera_N/camera_info</c>
/// (the rectified projection matrix P_N from calib.txt), <c>/tf_static</c> with the rig (camera_0 → camera_N,
/// from the P matrices' baselines; camera_0 → velo_link when the calibration has it) and, when a poses file is
/// present, <c>/tf</c> world → camera_0 per frame. Stamps (header and log time) come from times.txt (odometry:
/// seconds from the sequence start) or the per-camera timestamps.txt (raw).
/// </summary>
public sealed class Kitti2BagCommand : ICommand, IHasValueOptions
{
    public string Name => "kitti2bag";
    public string Summary => "convert a KITTI odometry or raw folder (images, calibration, times, poses) into a rosbag2 bag";
    public string Usage => "kitti2bag <folder> <out> " + BagOutputOptions.Usage + " [--poses FILE] [--force]";
    public IReadOnlyCollection<string> ValueOptions => [.. BagOutputOptions.Names, "poses"];

    // rclcpp defaults (reliable, volatile, keep last 10); /tf_static is transient local like tf2's static broadcaster.
    private const string VolatileQos =
        "- history: 1\n  depth: 10\n  reliability: 1\n  durability: 2\n  deadline:\n    sec: 2147483647\n    nsec: 4294967295\n" +
        "  lifespan:\n    sec: 2147483647\n    nsec: 4294967295\n  liveliness: 1\n  liveliness_lease_duration:\n    sec: 2147483647\n    nsec: 4294967295\n" +
        "  avoid_ros_namespace_conventions: false";
    private static readonly string StaticQos = VolatileQos.Replace("depth: 10", "depth: 1").Replace("durability: 2", "durability: 1");

    public int Run(Arguments args, TextWriter stdout, TextWriter stderr)
    {
        var folder = args.Positional(0, "folder");
        var output = args.Positional(1, "out");
        var (storage, compression, writerOptions) = BagOutputOptions.Parse(args);
        var posesOption = args.Option("poses");
        var force = args.Flag("force");
        args.EnsureAllUsed(2);

        if (!Directory.Exists(folder)) throw new CliException($"{folder}: no such folder");
        var sequence = KittiSequence.Load(folder, posesOption);
        var cameras = sequence.Cameras;
        var poses = sequence.Poses;
        var firstStamp = cameras.Min(c => c.StampsNs[0]);

        // Every message as (log time, writer), sorted so the bag is in time order across cameras.
        using var cdr = new CdrWriter(2 << 20);
        long written = 0;
        using var staged = StagedOutput.Begin(output, force, folder, posesOption);
        using (var bag = BagWriter.Create(staged.Path, storage, compression, writerOptions))
        {
            void Topic(string name, string type, string qos) =>
                bag.AddTopic(new TopicInfo(name, type, "cdr", qos, "", MessageDefinitions.Get(type), "ros2msg"));
            void Write<T>(string topic, long stampNs, T message) where T : IRosMessage<T>
            {
                cdr.Reset();
                RosMessage.Serialize(message, cdr);
                bag.Write(topic, stampNs, stampNs, cdr.WrittenSpan);
                written++;
            }

            foreach (var c in cameras)
            {
                Topic($"/kitti/camera_{c.Index}/image_raw", Image.RosTypeName, VolatileQos);
                Topic($"/kitti/camera_{c.Index}/camera_info", CameraInfo.RosTypeName, VolatileQos);
            }
            Topic("/tf_static", TFMessage.RosTypeName, StaticQos);
            if (poses is not null) Topic("/tf", TFMessage.RosTypeName, VolatileQos);

            var firstTime = RosTime.FromNanoseconds(firstStamp);
            Write("/tf_static", firstStamp, new TFMessage(sequence.StaticTransforms
                .Select(t => new TransformStamped(new Header(firstTime, t.Parent), t.Child, t.Transform)).ToArray()));

            var events = new List<(long Stamp, int Order, Action Write)>();
            if (poses is not null)
            {
                var reference = cameras.FirstOrDefault(c => c.Index == 0) ?? cameras[0];
                for (var i = 0; i < Math.Min(poses.Count, reference.StampsNs.Length); i++)
                {
                    var (stampNs, pose) = (reference.StampsNs[i], poses[i]);
                    events.Add((stampNs, 0, () => Write("/tf", stampNs,
                        new TFMessage([new TransformStamped(new Header(RosTime.FromNanoseconds(stampNs), "world"), "camera_0", pose)]))));
                }
            }
            foreach (var c in cameras)
                for (var i = 0; i < c.Frames.Length; i++)
                {
                    var (camera, frame, stampNs) = (c, c.Frames[i], c.StampsNs[i]);
                    events.Add((stampNs, 1 + c.Index, () =>
                    {
                        var header = new Header(RosTime.FromNanoseconds(stampNs), $"camera_{camera.Index}");
                        var (width, height) = WriteImage(cdr, header, frame);
                        bag.Write($"/kitti/camera_{camera.Index}/image_raw", stampNs, stampNs, cdr.WrittenSpan);
                        written++;
                        Write($"/kitti/camera_{camera.Index}/camera_info", stampNs, CameraInfoFor(header, width, height, camera.Projection));
                    }));
                }
            foreach (var e in events.OrderBy(e => e.Stamp).ThenBy(e => e.Order)) e.Write();
        }
        staged.Commit();
        stdout.WriteLine($"wrote {written} messages ({sequence.Kind}, {cameras.Max(c => c.Frames.Length)} frames, cameras {string.Join(",", cameras.Select(c => c.Index))}{(poses is null ? ", no poses" : $", poses from {Path.GetFileName(sequence.PosesPath)}")}) to {output}");
        return 0;
    }

    // Decodes the PNG and writes the Image message with its pixels copied straight into the CDR buffer.
    private static (uint Width, uint Height) WriteImage(CdrWriter cdr, Header header, string path)
    {
        using var mat = Cv2.ImRead(path, ImreadModes.Unchanged);
        if (mat.Empty()) throw new CliException($"{path}: OpenCV cannot read this image");
        string encoding;
        if (mat.Type() == MatType.CV_8UC1) encoding = "mono8";
        else if (mat.Type() == MatType.CV_8UC3) { Cv2.CvtColor(mat, mat, ColorConversionCodes.BGR2RGB); encoding = "rgb8"; }
        else throw new CliException($"{path}: unsupported pixel type {mat.Type()} (expected 8-bit grey or colour)");
        int rows = mat.Rows, cols = mat.Cols;
        var rowBytes = cols * mat.Channels();
        var matStep = checked((int)mat.Step());
        cdr.Reset();
        var pixels = Image.WriteUpToData(cdr, header, (uint)rows, (uint)cols, encoding, (uint)rowBytes);
        unsafe
        {
            var source = new ReadOnlySpan<byte>((void*)mat.Data, checked((rows - 1) * matStep + rowBytes));
            for (var y = 0; y < rows; y++)
                source.Slice(y * matStep, rowBytes).CopyTo(pixels.Slice(y * rowBytes, rowBytes));
        }
        cdr.Flush();
        return ((uint)cols, (uint)rows);
    }

    private static CameraInfo CameraInfoFor(Header header, uint width, uint height, double[] p) => new(
        header, height, width, "plumb_bob", [0, 0, 0, 0, 0],
        [p[0], p[1], p[2], p[4], p[5], p[6], p[8], p[9], p[10]],
        [1, 0, 0, 0, 1, 0, 0, 0, 1],
        p, 0, 0, default);
}
