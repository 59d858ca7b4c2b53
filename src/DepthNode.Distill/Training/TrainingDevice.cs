using TorchSharp;
using static TorchSharp.torch;

namespace DepthNode.Distill.Training;

/// <summary><c>training.device</c>: where the student, the teachers' maps and the losses live.</summary>
public enum DevicePreference
{
    /// <summary>The first CUDA device when libtorch sees one, else the CPU.</summary>
    Auto,
    Cpu,
    Cuda,
}

/// <summary>What the loaded libtorch offers: whether it is a CUDA build and how many CUDA devices it sees.</summary>
public readonly record struct CudaSupport(bool LibTorchHasCuda, int DeviceCount)
{
    /// <summary>The running process's libtorch.</summary>
    public static CudaSupport Probe()
    {
        // torch.cuda.is_available() is false both for the CPU build and for a CUDA build without a visible GPU; the
        // CUDA library next to the program tells the two apart, so the log line can say which fix applies.
        var hasCuda = new[] { "", Path.Combine("runtimes", "linux-x64", "native") }
            .Any(dir => File.Exists(Path.Combine(AppContext.BaseDirectory, dir, "libtorch_cuda.so")));
        return new CudaSupport(hasCuda, torch.cuda.is_available() ? torch.cuda.device_count() : 0);
    }
}

/// <summary>
/// The device a run trains on, chosen once from <c>training.device</c> and what libtorch offers, with the one log line
/// that says which and why. On the CPU nothing is moved at all, so a CPU run is bit for bit what it was before devices
/// existed (the resume tests depend on it).
/// </summary>
public sealed record TrainingDevice(DeviceType Type, string LogLine)
{
    public static readonly TrainingDevice Cpu = new(DeviceType.CPU, "device: cpu");

    public bool IsCpu => Type == DeviceType.CPU;

    /// <summary>The TorchSharp device (index 0 for CUDA: the scheduler picks the GPU through CUDA_VISIBLE_DEVICES).</summary>
    public Device Torch => IsCpu ? CPU : new Device(Type, 0);

    /// <summary>
    /// Auto takes CUDA when libtorch sees a device, else the CPU; CUDA asked for but not there is an error naming the
    /// fix (a CUDA build, or a GPU given to the process).
    /// </summary>
    public static TrainingDevice Choose(DevicePreference preference, CudaSupport cuda)
    {
        var why = cuda.LibTorchHasCuda
            ? "libtorch is a CUDA build but sees no GPU: check the NVIDIA driver and that the job or container was given one"
            : "CUDA not available in this libtorch build";
        if (preference == DevicePreference.Cpu) return new(DeviceType.CPU, "device: cpu (training.device: cpu)");
        if (cuda.DeviceCount > 0)
            return new(DeviceType.CUDA, $"device: cuda:0 (training.device: {(preference == DevicePreference.Auto ? "auto" : "cuda")}; {cuda.DeviceCount} CUDA device(s) visible)");
        if (preference == DevicePreference.Cuda)
            throw new InvalidOperationException(cuda.LibTorchHasCuda
                ? $"training.device is cuda, but {why}; or set training.device: auto to fall back to the CPU"
                : $"training.device is cuda, but {why} (libtorch-cpu-linux-x64): build depth-distill with -p:TorchBackend=cuda, or set training.device: auto or cpu");
        return new(DeviceType.CPU, $"device: cpu ({why})");
    }

    /// <summary>The student on this device (before its optimizer is made: the optimizer holds its parameters).</summary>
    public void Place(nn.Module student)
    {
        if (!IsCpu) student.to(Torch);
    }

    /// <summary><paramref name="tensor"/> on the device of <paramref name="like"/>; the tensor itself when it is there.</summary>
    public static Tensor On(Tensor tensor, Tensor like) =>
        tensor.device_type == like.device_type && tensor.device_index == like.device_index ? tensor : tensor.to(like.device);

    /// <summary><paramref name="tensor"/> on the device of <paramref name="module"/>'s first parameter.</summary>
    public static Tensor On(Tensor tensor, nn.Module module)
    {
        var p = module.parameters().FirstOrDefault();
        return p is null ? tensor : On(tensor, p);
    }
}
