using System.Buffers.Binary;
using DepthNode.Cdr;
using DepthNode.Core.Tests.Cdr;
using DepthNode.Messages;
using DepthNode.Tests;

namespace DepthNode.Core.Tests.Messages;

public class MessageCodecTests
{
    [Fact]
    public void CameraInfo_LayoutMatchesTheDocumentedRerunExample()
    {
        // shared/docs C3: frame "base_link", plumb_bob, 5 coefficients: d count @48, d @56 (file 60), k @96,
        // binning_x @336, do_rectify @360, body padded to 364 bytes after the 4-byte header.
        var info = new CameraInfo(new Header(default, "base_link"), 480, 640, "plumb_bob", [0.1, 0.2, 0.3, 0.4, 0.5],
            [500, 0, 320, 0, 500, 240, 0, 0, 1], [1, 0, 0, 0, 1, 0, 0, 0, 1], [500, 0, 320, 0, 0, 500, 240, 0, 0, 0, 1, 0],
            7, 8, new RegionOfInterest(0, 0, 0, 0, true));
        var b = RosMessage.SerializeToArray(info);
        const int o = 4;
        Assert.Equal(4 + 364, b.Length);
        Assert.Equal(480u, BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(o + 24)));
        Assert.Equal(10u, BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(o + 32)));
        Assert.Equal(5u, BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(o + 48)));
        Assert.Equal(0.1, BinaryPrimitives.ReadDoubleLittleEndian(b.AsSpan(o + 56)));
        Assert.Equal(500.0, BinaryPrimitives.ReadDoubleLittleEndian(b.AsSpan(o + 96)));
        Assert.Equal(7u, BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(o + 336)));
        Assert.Equal(1, b[o + 360]);
        Assert.Equal(info with { }, Roundtrip(info), CameraInfoComparer);
    }

    [Fact]
    public void PointCloud2_LayoutMatchesTheDocumentedRerunExample()
    {
        // shared/docs C3: header "base_link", 1×200, x,y,z,intensity float32: fields count @32, "intensity" len @96,
        // point_step @128, data count @136, data @140..3340, is_dense @3340, body padded to 3344 bytes after the header.
        var cloud = SampleMessages.PointCloud(200) with { Header = new Header(default, "base_link") };
        var b = RosMessage.SerializeToArray(cloud);
        const int o = 4;
        Assert.Equal(4 + 3344, b.Length);
        Assert.Equal(4u, BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(o + 32)));
        Assert.Equal(10u, BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(o + 96)));
        Assert.Equal(16u, BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(o + 128)));
        Assert.Equal(3200u, BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(o + 136)));
        Assert.Equal(1, b[o + 3340]);
        var back = RosMessage.Deserialize<PointCloud2>(b);
        Assert.Equal(cloud.Fields, back.Fields);
        Assert.Equal(cloud.Data.ToArray(), back.Data.ToArray());
        Assert.True(back.IsDense);
    }

    [Fact]
    public void Image_WriteUpToData_GivesTheSameBytesAsWritingTheRecord()
    {
        var image = SampleMessages.Image();
        using var w = new CdrWriter();
        var span = Image.WriteUpToData(w, image.Header, image.Height, image.Width, image.Encoding, image.Step);
        Assert.Equal(image.Data.Length, span.Length);
        image.Data.Span.CopyTo(span);
        w.Flush();
        Assert.Equal(RosMessage.SerializeToArray(image), w.WrittenSpan.ToArray());
    }

    [Fact]
    public void PointCloud2_WriteUpToData_WritesIsDenseAfterThePoints_AndSurvivesBufferGrowth()
    {
        var cloud = SampleMessages.PointCloud(5000); // far beyond the writer's 256-byte start: forces growth first
        using var w = new CdrWriter(256);
        var span = PointCloud2.WriteUpToData(w, cloud.Header, cloud.Height, cloud.Width, cloud.Fields, cloud.PointStep, cloud.IsDense);
        cloud.Data.Span.CopyTo(span);
        w.Flush();
        Assert.Equal(RosMessage.SerializeToArray(cloud), w.WrittenSpan.ToArray());
    }

    [Fact]
    public void EveryType_RoundTripsThroughBytes()
    {
        var tf = SampleMessages.Tf();
        var tfBack = Roundtrip(tf);
        Assert.Equal(tf.Transforms, tfBack.Transforms);
        var diag = SampleMessages.Diagnostics();
        var diagBack = Roundtrip(diag);
        Assert.Equal(diag.Header, diagBack.Header);
        Assert.Equal(diag.Status.Length, diagBack.Status.Length);
        for (var i = 0; i < diag.Status.Length; i++)
        {
            Assert.Equal(diag.Status[i] with { Values = [] }, diagBack.Status[i] with { Values = [] });
            Assert.Equal(diag.Status[i].Values, diagBack.Status[i].Values);
        }
        Assert.Equal(SampleMessages.Metadata(), Roundtrip(SampleMessages.Metadata()));
        Assert.Equal(new StringMessage("héllo wörld"), Roundtrip(new StringMessage("héllo wörld")));
        var image = SampleMessages.Image();
        var imageBack = Roundtrip(image);
        Assert.Equal(image with { Data = default }, imageBack with { Data = default });
        Assert.Equal(image.Data.ToArray(), imageBack.Data.ToArray());
    }

    [Fact]
    public void BigEndianPayloads_DecodeToTheSameValues()
    {
        foreach (var (type, bytes) in new (string, byte[])[]
        {
            (Image.RosTypeName, RosMessage.SerializeToArray(SampleMessages.Image())),
            (CameraInfo.RosTypeName, RosMessage.SerializeToArray(SampleMessages.CameraInfo())),
            (PointCloud2.RosTypeName, RosMessage.SerializeToArray(SampleMessages.PointCloud(7))),
            (TFMessage.RosTypeName, RosMessage.SerializeToArray(SampleMessages.Tf())),
            (DiagnosticArray.RosTypeName, RosMessage.SerializeToArray(SampleMessages.Diagnostics())),
            (DepthMetadata.RosTypeName, RosMessage.SerializeToArray(SampleMessages.Metadata())),
        })
        {
            var schema = RosMsgSchema.Parse(type, MessageDefinitions.Get(type));
            var be = BigEndianTranscoder.ToBigEndian(schema, bytes);
            Assert.Equal(0x00, be[1]);
            Assert.NotEqual(bytes, be);
            Assert.Equal(RosMsgJson.ToJson(CdrDynamicDecoder.Decode(schema, bytes)), RosMsgJson.ToJson(CdrDynamicDecoder.Decode(schema, be)));
        }
        var cam = SampleMessages.CameraInfo();
        var camSchema = RosMsgSchema.Parse(CameraInfo.RosTypeName, MessageDefinitions.Get(CameraInfo.RosTypeName));
        var camBe = RosMessage.Deserialize<CameraInfo>(BigEndianTranscoder.ToBigEndian(camSchema, RosMessage.SerializeToArray(cam)));
        Assert.Equal(cam, camBe, CameraInfoComparer);
    }

    [Fact]
    public void GenericDecoder_AgreesWithTypedDecoders()
    {
        var cam = SampleMessages.CameraInfo();
        var tree = Decode(CameraInfo.RosTypeName, RosMessage.SerializeToArray(cam));
        Assert.Equal(cam.K, (double[])tree["k"]!);
        Assert.Equal(cam.D, (double[])tree["d"]!);
        Assert.Equal("plumb_bob", tree["distortion_model"]);
        var roi = (OrderedDictionary<string, object?>)tree["roi"]!;
        Assert.Equal(true, roi["do_rectify"]);
        var header = (OrderedDictionary<string, object?>)tree["header"]!;
        Assert.Equal("camera_optical_frame", header["frame_id"]);
        Assert.Equal(456_789_000u, ((OrderedDictionary<string, object?>)header["stamp"]!)["nanosec"]);

        var tf = Decode(TFMessage.RosTypeName, RosMessage.SerializeToArray(SampleMessages.Tf()));
        var first = (OrderedDictionary<string, object?>)((object?[])tf["transforms"]!)[0]!;
        Assert.Equal("camera", first["child_frame_id"]);

        var json = RosMsgJson.ToJson(Decode(DepthMetadata.RosTypeName, RosMessage.SerializeToArray(SampleMessages.Metadata())));
        Assert.Equal("{\"header\":{\"stamp\":{\"sec\":1700000123,\"nanosec\":456789000},\"frame_id\":\"camera_optical_frame\"}," +
            "\"model\":\"fastdepth_7\",\"metric_source\":\"camera_height\",\"scale\":1.5,\"shift\":-0.25,\"inference_ms\":12.75,\"dropped_frames\":4}", json);
    }

    [Fact]
    public void Definitions_AllParse_AndCarryTheirDependencies()
    {
        foreach (var type in MessageDefinitions.TypeNames)
        {
            var text = MessageDefinitions.Get(type);
            var schema = RosMsgSchema.Parse(type, text);
            Assert.Equal(MessageDefinitions.ShortName(type), schema.Root.Name);
            Assert.Equal(text, MessageDefinitions.Get(MessageDefinitions.ShortName(type)));
        }
        var image = MessageDefinitions.Get("sensor_msgs/msg/Image");
        Assert.StartsWith("std_msgs/Header header\n", image);
        Assert.Contains("\n" + new string('=', 80) + "\nMSG: std_msgs/Header\n", image);
        Assert.Contains("\nMSG: builtin_interfaces/Time\nint32 sec\nuint32 nanosec\n", image);
        var tf = RosMsgSchema.Parse("tf2_msgs/msg/TFMessage", MessageDefinitions.Get("tf2_msgs/TFMessage"));
        // rosbag2 order: depth first, each type's dependencies sorted by name (as get_full_text does).
        Assert.Equal(new[] { "tf2_msgs/TFMessage", "geometry_msgs/TransformStamped", "geometry_msgs/Transform", "geometry_msgs/Quaternion",
            "geometry_msgs/Vector3", "std_msgs/Header", "builtin_interfaces/Time" }, tf.Types.Keys);
        Assert.StartsWith("std_msgs/Header header\nuint32 height\nuint32 width\nstring encoding\nuint8 is_bigendian\nuint32 step\nuint8[] data\n\n" +
            new string('=', 80) + "\nMSG: std_msgs/Header\nbuiltin_interfaces/Time stamp\nstring frame_id\n\n" + new string('=', 80) +
            "\nMSG: builtin_interfaces/Time\n", image);
        var status = RosMsgSchema.Parse("diagnostic_msgs/DiagnosticStatus", MessageDefinitions.Get("diagnostic_msgs/DiagnosticStatus"));
        Assert.Equal(["level", "name", "message", "hardware_id", "values"], status.Root.Fields.Select(f => f.Name)); // constants skipped
    }

    [Fact]
    public void DepthMetadataDefinition_IsTheRepositoryMsgFile()
    {
        var file = File.ReadAllText(Path.Combine(SharedData.RepoRoot(), "msg", "DepthMetadata.msg"));
        Assert.Equal(file, MessageDefinitions.OwnText("depth_node/msg/DepthMetadata"));
        var schema = RosMsgSchema.Parse(DepthMetadata.RosTypeName, MessageDefinitions.Get(DepthMetadata.RosTypeName));
        Assert.Equal(["header", "model", "metric_source", "scale", "shift", "inference_ms", "dropped_frames"], schema.Root.Fields.Select(f => f.Name));
    }

    private static OrderedDictionary<string, object?> Decode(string type, byte[] bytes) =>
        CdrDynamicDecoder.Decode(RosMsgSchema.Parse(type, MessageDefinitions.Get(type)), bytes);

    private static T Roundtrip<T>(T message) where T : IRosMessage<T> =>
        RosMessage.Deserialize<T>(RosMessage.SerializeToArray(message));

    private static readonly IEqualityComparer<CameraInfo> CameraInfoComparer = EqualityComparer<CameraInfo>.Create(
        (a, b) => a!.Header == b!.Header && a.Height == b.Height && a.Width == b.Width && a.DistortionModel == b.DistortionModel
            && a.D.SequenceEqual(b.D) && a.K.SequenceEqual(b.K) && a.R.SequenceEqual(b.R) && a.P.SequenceEqual(b.P)
            && a.BinningX == b.BinningX && a.BinningY == b.BinningY && a.Roi == b.Roi);
}
