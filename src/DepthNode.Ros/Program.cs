#nullable enable
using System;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using DepthNode.Inference;
using DepthNode.Inference.OnnxRuntime;
using DepthNode.Messages;
using DepthNode.NodeLogic;
using DepthNode.Parameters;
using ROS2;

namespace DepthNode.Ros;

/// <summary>
/// The depth node on ROS 2. rcldotnet owns the node, the publishers, the executor and the timers; the shim moves every
/// message serialized; <see cref="DepthNodeRuntime"/> does everything else and is tested without ROS
/// (src/DepthNode.Core/NodeLogic/README.md is the contract followed here).
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        NodeConfiguration config;
        try { config = NodeConfiguration.FromArguments(Environment.GetCommandLineArgs()); }
        catch (ParameterException e)
        {
            foreach (var line in e.Lines) Console.Error.WriteLine("[ERROR] " + line);
            return 1;
        }
        try { return Run(config); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A missing model, an unreachable rcl handle, a topic rcl refuses: one line, non-zero exit.
            Console.Error.WriteLine($"[FATAL] [depth_node] {e.GetType().Name}: {e.Message}");
            return 1;
        }
    }

    private static int Run(NodeConfiguration config)
    {
        var log = new ConsoleLog(config.LogLevel);
        var throttled = new ThrottledLog(log, TimeSpan.FromSeconds(config.Options.LogThrottleS));

        RCLdotnet.Init(); // hands argv to rcl_init as well, so rcl sees the same remaps the configuration applied
        var node = RCLdotnet.CreateNode(config.NodeName, config.Namespace);
        using var model = DepthModelFactory.Open(config.Options, line => log.Write(LogLevel.Info, line));
        using var pipeline = new DepthPipeline(config, model, new NodeDiagnostics(config.NodeName, new StageTimings(4096)), log);
        using var nodeHandle = RclHandle.Of(node);

        var outputs = NodeWiring.Publishers(node, config, throttled, log);
        var runtime = new DepthNodeRuntime(config, pipeline, outputs, log); // logs every topic with its QoS once
        var inputs = NodeWiring.Subscriptions(nodeHandle.Pointer, config, runtime, throttled, log);
        log.Write(LogLevel.Info, $"{node.FullyQualifiedName}: {model.Card.Name} on {model.Provider}");

        // Lazy outputs: rviz appearing on /depth/points turns the cloud on within a quarter second.
        var lazy = node.CreateTimer(TimeSpan.FromMilliseconds(250), _ => NodeWiring.ReportSubscribers(config, outputs, runtime));
        var diagnostics = node.CreateTimer(TimeSpan.FromSeconds(config.Options.DiagnosticsPeriodS), _ =>
            runtime.PublishDiagnostics(Now(node)));

        using var stop = new ManualResetEventSlim();
        void Stop(PosixSignalContext c)
        {
            c.Cancel = true; // shut down below, in order, instead of the runtime's immediate exit
            stop.Set();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop); // docker stop; launch escalates to it

        inputs.Start();
        while (!stop.IsSet && RCLdotnet.Ok()) RCLdotnet.SpinOnce(node, 100);

        // No more input, then the frame in flight, then the counters, then the publishers and rcl.
        inputs.Dispose();
        lazy.Cancel();
        diagnostics.Cancel();
        runtime.Flush();
        if (!runtime.Drain(TimeSpan.FromSeconds(5))) log.Write(LogLevel.Warn, "the frame in flight did not finish within 5 s");
        var final = runtime.Diagnostics.Report(TimeSpan.FromTicks(Now(node).TotalNanoseconds / 100));
        log.Write(LogLevel.Info, "shutting down: " + string.Join(", ", final.Values
            .Where(v => v.Key.StartsWith("frames_", StringComparison.Ordinal) || v.Key.StartsWith("dropped_", StringComparison.Ordinal)
                || v.Key.StartsWith("latency_", StringComparison.Ordinal))
            .Select(v => $"{v.Key} {v.Value}")));
        runtime.Dispose();
        outputs.Dispose();
        RCLdotnet.Shutdown();
        return 0;
    }

    private static RosTime Now(Node node)
    {
        var t = node.Clock.Now();
        return new RosTime(t.Sec, t.Nanosec);
    }

    /// <summary>rcldotnet has no logging API: lines go to stderr (ros2 launch shows them) above the --log-level.</summary>
    private sealed class ConsoleLog(LogLevel minimum) : ILogSink
    {
        public void Write(LogLevel level, string message)
        {
            if (level >= minimum) Console.Error.WriteLine($"[{level.ToString().ToUpperInvariant()}] [depth_node] {message}");
        }
    }
}
