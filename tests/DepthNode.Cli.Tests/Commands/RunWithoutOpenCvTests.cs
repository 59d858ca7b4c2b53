using System.Diagnostics;
using DepthNode.Bags;
using DepthNode.Camera;
using DepthNode.Installation;
using DepthNode.Messages;
using DepthNode.Tests;

namespace DepthNode.Cli.Tests.Commands;

/// <summary>
/// What linux-arm64 looks like to the node (NuGet has no libOpenCvSharpExtern there), on this x64 machine: the built
/// `depthnode` copied (hard links) without OpenCV's native library and run as its own process on real JPEGs.
/// </summary>
public class RunWithoutOpenCvTests
{
    [Fact]
    public void Run_CompressedBag_WithoutOpenCvNative_DecodesWithTheManagedDecoder()
    {
        var dir = Path.Combine(Path.GetTempPath(), "depthnode-noopencv-" + Guid.NewGuid().ToString("N")[..8]);
        var built = Path.GetDirectoryName(typeof(Program).Assembly.Location)!;
        // Hard links beside the build (same file system): the app must not resolve back to the folder that has OpenCV.
        var app = Path.Combine(built, "..", "no-opencv-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Directory.CreateDirectory(dir);
            Assert.Equal(0, Exec("cp", "-al", built, app).Code);
            var extern_ = Directory.GetFiles(app, "libOpenCvSharpExtern.so", SearchOption.AllDirectories);
            Assert.NotEmpty(extern_);
            foreach (var f in extern_) File.Delete(f);
            var bag = Path.Combine(dir, "jpegs");
            WriteJpegBag(bag);

            var (code, stdout, stderr) = Exec("dotnet", Path.Combine(app, "depthnode.dll"), "run", "--bag", bag, "--out", Path.Combine(dir, "out"),
                "--metric-source", "model", "--model", CheckoutModels.DefaultCardPath);
            Assert.True(code == 0, stdout + stderr);
            Assert.Contains("compressed images are decoded by the managed decoder, StbImageSharp, at full size (OpenCV's native library did not load: ", stderr);
            Assert.Contains("no previews: they need OpenCV's native library", stderr);
            Assert.Contains("output: " + Path.Combine(dir, "out") + " (3 of 3 frames processed, 0 dropped)", stdout);
        }
        finally
        {
            if (Directory.Exists(app)) Directory.Delete(app, true);
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    /// <summary>Three 7-Scenes JPEGs as sensor_msgs/CompressedImage, each with its CameraInfo.</summary>
    private static void WriteJpegBag(string folder)
    {
        const string imageTopic = "/camera/image_raw/compressed", infoTopic = "/camera/camera_info";
        using var writer = BagWriter.Create(folder);
        writer.AddTopic(new TopicInfo(imageTopic, CompressedImage.RosTypeName, "cdr", "", "", MessageDefinitions.Get(CompressedImage.RosTypeName)));
        writer.AddTopic(new TopicInfo(infoTopic, CameraInfo.RosTypeName, "cdr", "", "", MessageDefinitions.Get(CameraInfo.RosTypeName)));
        for (var i = 0; i < 3; i++)
        {
            var header = new Header(RosTime.FromNanoseconds((i + 1) * 100_000_000L), "camera_optical_frame");
            var jpeg = File.ReadAllBytes(SharedData.Path("data", "7scenes_redkitchen", $"frame-{i:D6}.color.jpg"));
            var t = header.Stamp.TotalNanoseconds;
            writer.Write(imageTopic, t, t, RosMessage.SerializeToArray(new CompressedImage(header, "jpeg", jpeg)));
            writer.Write(infoTopic, t + 1000, t, RosMessage.SerializeToArray(new CameraModel(640, 480, 585, 585, 320, 240).ToCameraInfo(header)));
        }
    }

    private static (int Code, string Stdout, string Stderr) Exec(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
