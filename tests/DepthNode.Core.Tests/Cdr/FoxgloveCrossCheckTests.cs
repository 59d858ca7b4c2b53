using System.Text.Json;
using System.Text.Json.Nodes;
using DepthNode.Core.Tests.Messages;
using DepthNode.Messages;
using DepthNode.Tests;

namespace DepthNode.Core.Tests.Cdr;

/// <summary>
/// Cross-check against an independent implementation: @foxglove/rosmsg (parses our ros2msg definitions) and
/// @foxglove/rosmsg2-serialization (decodes our CDR; its writer's bytes are decoded by us). Installed from npm into
/// the test output once per run; a failing npm install fails the test.
/// </summary>
public class FoxgloveCrossCheckTests
{
    private const string Packages = "@foxglove/rosmsg2-serialization@3.1.0 @foxglove/rosmsg@5.0.5";

    private static readonly Lazy<string> Workspace = new(Install);

    private const string Script = """
        const fs = require("fs");
        const { parse } = require("@foxglove/rosmsg");
        const { MessageReader, MessageWriter } = require("@foxglove/rosmsg2-serialization");
        const toJson = (v) => {
          if (v instanceof Uint8Array) return { base64: Buffer.from(v).toString("base64") };
          if (ArrayBuffer.isView(v)) return Array.from(v);
          if (typeof v === "bigint") return v.toString();
          if (Array.isArray(v)) return v.map(toJson);
          if (v && typeof v === "object") { const o = {}; for (const k of Object.keys(v)) o[k] = toJson(v[k]); return o; }
          return v;
        };
        const cases = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
        const out = cases.map((c) => {
          const def = parse(c.definition, { ros2: true });
          const msg = new MessageReader(def).readMessage(Buffer.from(c.cdr, "base64"));
          const theirs = new MessageWriter(def).writeMessage(msg);
          return { type: c.type, message: toJson(msg), written: Buffer.from(theirs).toString("base64") };
        });
        fs.writeFileSync(process.argv[3], JSON.stringify(out));
        """;

    private static string Install()
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "npm-rosmsg2");
        NodeJs.Install(dir, Packages);
        File.WriteAllText(Path.Combine(dir, "crosscheck.js"), Script);
        return dir;
    }

    private static JsonArray Foxglove(params (string Type, byte[] Cdr)[] cases)
    {
        var dir = Workspace.Value;
        var id = Guid.NewGuid().ToString("N");
        var input = Path.Combine(dir, $"in-{id}.json");
        var output = Path.Combine(dir, $"out-{id}.json");
        File.WriteAllText(input, JsonSerializer.Serialize(cases.Select(c => new
        {
            type = c.Type, definition = MessageDefinitions.Get(c.Type), cdr = Convert.ToBase64String(c.Cdr),
        })));
        var (code, stdout, stderr) = NodeJs.Run("node", $"crosscheck.js {input} {output}", dir);
        Assert.True(code == 0, $"node crosscheck.js failed: {stderr}{stdout}");
        var result = JsonNode.Parse(File.ReadAllText(output))!.AsArray();
        File.Delete(input);
        File.Delete(output);
        return result;
    }

    private static byte[] Base64(JsonNode? node) => Convert.FromBase64String((string)node!["base64"]!);

    private static double[] Doubles(JsonNode? node) => node!.AsArray().Select(n => (double)n!).ToArray();

    private static void AssertHeader(Header expected, JsonNode? header)
    {
        Assert.Equal(expected.Stamp.Sec, (int)header!["stamp"]!["sec"]!);
        Assert.Equal(expected.Stamp.Nanosec, (uint)header["stamp"]!["nanosec"]!);
        Assert.Equal(expected.FrameId, (string)header["frame_id"]!);
    }

    // Their writer does not round the payload to 4 bytes: compare up to the shorter one, rest must be padding.
    private static void AssertSameBytesUpToPadding(byte[] ours, byte[] theirs)
    {
        var n = Math.Min(ours.Length, theirs.Length);
        Assert.Equal(ours[..n], theirs[..n]);
        Assert.True(Math.Abs(ours.Length - theirs.Length) < 4);
        Assert.All(ours[n..], b => Assert.Equal(0, b));
    }

    [Fact]
    public void FoxgloveDecodesOurBytes_AndWeDecodeTheirs()
    {
        var image = SampleMessages.Image(7, 4, "rgb8", 3);
        var info = SampleMessages.CameraInfo();
        var cloud = SampleMessages.PointCloud(50);
        var diag = SampleMessages.Diagnostics();
        var tf = SampleMessages.Tf();
        var meta = SampleMessages.Metadata();
        var ours = new (string, byte[])[]
        {
            (Image.RosTypeName, RosMessage.SerializeToArray(image)),
            (CameraInfo.RosTypeName, RosMessage.SerializeToArray(info)),
            (PointCloud2.RosTypeName, RosMessage.SerializeToArray(cloud)),
            (DiagnosticArray.RosTypeName, RosMessage.SerializeToArray(diag)),
            (TFMessage.RosTypeName, RosMessage.SerializeToArray(tf)),
            (DepthMetadata.RosTypeName, RosMessage.SerializeToArray(meta)),
        };
        var results = Foxglove(ours);

        // Image
        var m = results[0]!["message"]!;
        AssertHeader(image.Header, m["header"]);
        Assert.Equal((image.Height, image.Width, image.Encoding, image.Step), ((uint)m["height"]!, (uint)m["width"]!, (string)m["encoding"]!, (uint)m["step"]!));
        Assert.Equal(image.Data.ToArray(), Base64(m["data"]));

        // CameraInfo
        m = results[1]!["message"]!;
        AssertHeader(info.Header, m["header"]);
        Assert.Equal(info.DistortionModel, (string)m["distortion_model"]!);
        Assert.Equal(info.D, Doubles(m["d"]));
        Assert.Equal(info.K, Doubles(m["k"]));
        Assert.Equal(info.R, Doubles(m["r"]));
        Assert.Equal(info.P, Doubles(m["p"]));
        Assert.Equal((info.BinningX, info.BinningY), ((uint)m["binning_x"]!, (uint)m["binning_y"]!));
        Assert.Equal(info.Roi, new RegionOfInterest((uint)m["roi"]!["x_offset"]!, (uint)m["roi"]!["y_offset"]!, (uint)m["roi"]!["height"]!, (uint)m["roi"]!["width"]!, (bool)m["roi"]!["do_rectify"]!));

        // PointCloud2
        m = results[2]!["message"]!;
        Assert.Equal(cloud.Fields, m["fields"]!.AsArray().Select(f => new PointField((string)f!["name"]!, (uint)f["offset"]!, (byte)(int)f["datatype"]!, (uint)f["count"]!)));
        Assert.Equal((cloud.PointStep, cloud.RowStep, cloud.IsDense, cloud.IsBigEndian), ((uint)m["point_step"]!, (uint)m["row_step"]!, (bool)m["is_dense"]!, (bool)m["is_bigendian"]!));
        Assert.Equal(cloud.Data.ToArray(), Base64(m["data"]));

        // DiagnosticArray
        m = results[3]!["message"]!;
        var status = m["status"]!.AsArray();
        Assert.Equal(diag.Status.Length, status.Count);
        for (var i = 0; i < status.Count; i++)
        {
            var s = status[i]!;
            Assert.Equal(diag.Status[i].Level, (byte)(int)s["level"]!);
            Assert.Equal((diag.Status[i].Name, diag.Status[i].Message, diag.Status[i].HardwareId), ((string)s["name"]!, (string)s["message"]!, (string)s["hardware_id"]!));
            Assert.Equal(diag.Status[i].Values, s["values"]!.AsArray().Select(kv => new KeyValue((string)kv!["key"]!, (string)kv["value"]!)));
        }

        // TFMessage
        m = results[4]!["message"]!;
        var transforms = m["transforms"]!.AsArray();
        Assert.Equal(tf.Transforms.Length, transforms.Count);
        for (var i = 0; i < transforms.Count; i++)
        {
            var t = transforms[i]!;
            AssertHeader(tf.Transforms[i].Header, t["header"]);
            Assert.Equal(tf.Transforms[i].ChildFrameId, (string)t["child_frame_id"]!);
            var tr = t["transform"]!;
            Assert.Equal(tf.Transforms[i].Transform, new Transform(
                new Vector3((double)tr["translation"]!["x"]!, (double)tr["translation"]!["y"]!, (double)tr["translation"]!["z"]!),
                new Quaternion((double)tr["rotation"]!["x"]!, (double)tr["rotation"]!["y"]!, (double)tr["rotation"]!["z"]!, (double)tr["rotation"]!["w"]!)));
        }

        // DepthMetadata
        m = results[5]!["message"]!;
        Assert.Equal((meta.Model, meta.MetricSource, meta.Scale, meta.Shift, meta.InferenceMs, meta.DroppedFrames),
            ((string)m["model"]!, (string)m["metric_source"]!, (float)(double)m["scale"]!, (float)(double)m["shift"]!, (float)(double)m["inference_ms"]!, (uint)m["dropped_frames"]!));

        // Reverse: their writer's bytes, decoded by us, give back every value; and the layouts agree byte for byte.
        var written = results.Select(r => Convert.FromBase64String((string)r!["written"]!)).ToArray();
        var imageBack = RosMessage.Deserialize<Image>(written[0]);
        Assert.Equal(image with { Data = default }, imageBack with { Data = default });
        Assert.Equal(image.Data.ToArray(), imageBack.Data.ToArray());
        var infoBack = RosMessage.Deserialize<CameraInfo>(written[1]);
        Assert.Equal((info.D, info.K, info.R, info.P, info.Roi, info.Header), (infoBack.D, infoBack.K, infoBack.R, infoBack.P, infoBack.Roi, infoBack.Header), new StructuralComparer());
        var cloudBack = RosMessage.Deserialize<PointCloud2>(written[2]);
        Assert.Equal(cloud.Fields, cloudBack.Fields);
        Assert.Equal(cloud.Data.ToArray(), cloudBack.Data.ToArray());
        Assert.Equal(diag.Status[0].Values, RosMessage.Deserialize<DiagnosticArray>(written[3]).Status[0].Values);
        Assert.Equal(tf.Transforms, RosMessage.Deserialize<TFMessage>(written[4]).Transforms);
        Assert.Equal(meta, RosMessage.Deserialize<DepthMetadata>(written[5]));
        for (var i = 0; i < ours.Length; i++) AssertSameBytesUpToPadding(ours[i].Item2, written[i]);
    }

    private sealed class StructuralComparer : IEqualityComparer<(double[], double[], double[], double[], RegionOfInterest, Header)>
    {
        public bool Equals((double[], double[], double[], double[], RegionOfInterest, Header) a, (double[], double[], double[], double[], RegionOfInterest, Header) b) =>
            a.Item1.SequenceEqual(b.Item1) && a.Item2.SequenceEqual(b.Item2) && a.Item3.SequenceEqual(b.Item3) && a.Item4.SequenceEqual(b.Item4) && a.Item5 == b.Item5 && a.Item6 == b.Item6;

        public int GetHashCode((double[], double[], double[], double[], RegionOfInterest, Header) obj) => 0;
    }
}
