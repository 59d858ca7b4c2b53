using DepthNode.CommandLine;
using DepthNode.Installation;
using TorchSharp;

namespace DepthNode.Distill.Commands;

/// <summary>`depth-distill doctor`: can libtorch load and compute here?</summary>
public sealed class DoctorCommand : ICommand
{
    public string Name => "doctor";
    public string Summary => "check the installation (libtorch loads, a tensor op, CUDA availability)";
    public string Usage => "doctor";

    public int Run(Arguments args, TextWriter stdout, TextWriter stderr)
    {
        args.EnsureAllUsed(0);
        return InstallationReport.Print(Checks(), stdout);
    }

    public static IEnumerable<InstallationCheck> Checks()
    {
        yield return InstallationCheck.Run("libtorch",
            () => $"TorchSharp {typeof(torch).Assembly.GetName().Version}, libtorch {torch.__version__}",
            "rebuild (the build patches libLibTorchSharp.so for GCC < 13; see README troubleshooting)");
        yield return InstallationCheck.Run("tensor op", () =>
        {
            using var a = torch.arange(6, dtype: torch.float32).reshape(2, 3);
            using var s = a.sum();
            var v = s.item<float>();
            return v == 15f ? "arange(6).sum() = 15" : throw new InvalidOperationException($"arange(6).sum() = {v}, expected 15");
        }, "see README troubleshooting (libtorch)");
        yield return InstallationCheck.Run("cuda",
            () => torch.cuda.is_available() ? $"available, {torch.cuda.device_count()} device(s)" : "not available (CPU training only)",
            "install a CUDA build of TorchSharp on a GPU machine", required: false);
    }
}
