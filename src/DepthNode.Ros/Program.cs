#nullable enable
using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using DepthNode.Depth;
using DepthNode.Inference;
using DepthNode.Messages;
using DepthNode.NodeLogic;
using ROS2;

namespace DepthNode.Ros;

/// <summary>
/// The depth node on ROS 2: rcldotnet owns the node, its publishers, the executor and the diagnostics timer; the shim
/// moves every message serialized; <see cref="DepthNodeRuntime"/> does everything else and is tested without ROS.
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        var console = new TextLogSink(Console.Error);
        DepthNodeOptions options;
        try { options = NodeArguments.LoadOptions(args, console); }
        catch (InvalidDataException e)
        {
            console.Write(LogLevel.Error, e.Message);
            return 2;
        }
        var log = new ThrottledLog(console, TimeSpan.FromSeconds(options.LogThrottleS));

        RCLdotnet.Init(); // hands argv to rcl_init: --ros-args remaps, __node and __ns apply to everything below
        var node = RCLdotnet.CreateNode("depth_node");
        using var model = DepthModelFactory.Open(options, line => console.Write(LogLevel.Info, line));
        var diagnostics = new NodeDiagnostics(node.Name, new StageTimings(4096));
        using var pipeline = new DepthPipeline(options, model, diagnostics, console);
        using var nodeHandle = RclHandle.Of(node);

        var outputs = new SerializedOutputs(log);
        var output = QosProfile.DefaultProfile.WithKeepLast(5).WithReliable().WithVolatile();
        var resolved = new[]
        {
            outputs.Add<sensor_msgs.msg.Image>(node, options.DepthTopic, output),
            outputs.Add<sensor_msgs.msg.CameraInfo>(node, options.DepthCameraInfoTopic, output),
            outputs.Add<sensor_msgs.msg.PointCloud2>(node, options.CloudTopic, output),
            outputs.Add<sensor_msgs.msg.Image>(node, options.ColorizedTopic, output),
            outputs.Add<depth_node.msg.DepthMetadata>(node, options.MetadataTopic, output),
            outputs.Add<diagnostic_msgs.msg.DiagnosticArray>(node, "/diagnostics", QosProfile.DefaultProfile.WithKeepLast(10)),
        }.ToList();

        var runtime = new DepthNodeRuntime(options, pipeline, outputs, console);
        var inputs = new SerializedInputs(nodeHandle.Pointer, log);
        var compressed = options.ImageTransport == ImageTransport.Compressed;
        resolved.Add(compressed
            ? inputs.Add(options.CompressedImageTopic, sensor_msgs.msg.CompressedImage.__GetTypeSupport(), RmwQos.SensorData,
                (cdr, t) => runtime.OnImage(cdr, compressed: true, t))
            : inputs.Add(options.ImageTopic, sensor_msgs.msg.Image.__GetTypeSupport(), RmwQos.SensorData,
                (cdr, t) => runtime.OnImage(cdr, compressed: false, t)));
        resolved.Add(inputs.Add(options.CameraInfoTopic, sensor_msgs.msg.CameraInfo.__GetTypeSupport(), RmwQos.SensorData,
            (cdr, _) => runtime.OnCameraInfo(cdr)));
        if (options.MetricSource == MetricSource.SparseDepth)
            resolved.Add(inputs.Add(options.SparseDepthTopic, sensor_msgs.msg.Image.__GetTypeSupport(), RmwQos.SensorData,
                (cdr, _) => runtime.OnSparseDepth(cdr)));
        console.Write(LogLevel.Info, $"{node.FullyQualifiedName}: {model.Card.Name} on {model.Provider}; topics {string.Join(", ", resolved)}");

        var timer = node.CreateTimer(TimeSpan.FromSeconds(options.DiagnosticsPeriodS), _ =>
            runtime.PublishDiagnostics(Now(node)));

        using var stop = new ManualResetEventSlim();
        void Stop(PosixSignalContext c)
        {
            c.Cancel = true; // shut down below, in order, instead of the runtime's default exit
            stop.Set();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop); // docker stop, launch's escalation

        inputs.Start();
        while (!stop.IsSet && RCLdotnet.Ok()) RCLdotnet.SpinOnce(node, 100);

        // Order matters: no more input, then the frame in flight, then the publishers, then rcl.
        inputs.Dispose();
        runtime.Drain(TimeSpan.FromSeconds(5));
        runtime.Dispose();
        timer.Cancel();
        var final = diagnostics.Report(TimeSpan.FromTicks(Now(node).TotalNanoseconds / 100));
        console.Write(LogLevel.Info, "shutting down: " + string.Join(", ",
            final.Values.Where(v => v.Key.StartsWith("frames_", StringComparison.Ordinal) || v.Key.StartsWith("dropped_", StringComparison.Ordinal))
                .Select(v => $"{v.Key} {v.Value}")));
        outputs.Dispose();
        RCLdotnet.Shutdown();
        return 0;
    }

    private static RosTime Now(Node node)
    {
        var t = node.Clock.Now();
        return new RosTime(t.Sec, t.Nanosec);
    }
}
