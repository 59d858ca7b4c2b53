using System.Globalization;
using DepthNode.Distill.Frames;
using DepthNode.Distill.Networks;
using DepthNode.Distill.Training;
using DepthNode.Distill.Training.Labels;
using DepthNode.Inference;
using DepthNode.Inference.OnnxRuntime;
using DepthNode.Models;

namespace DepthNode.Distill.Teachers;

/// <summary>
/// A teacher network behind <see cref="IDepthNetwork"/> (ONNX Runtime or TorchSharp) with what identifies its labels:
/// the weights' sha256 and the pre-processing its card prescribes. It predicts the shared-context crop and each local
/// patch of a view (one batch when the sizes agree) and hands back disparity: metric or relative depth is inverted
/// (non-positive → NaN, masked by the losses), disparity is kept; scale and shift are left to the normalisation.
/// </summary>
public sealed class Teacher : IDisposable
{
    public Teacher(TeacherSpec spec, IDepthNetwork network, string weightsSha256)
    {
        (Spec, Network, Sha256) = (spec, network, weightsSha256);
    }

    public TeacherSpec Spec { get; }
    public IDepthNetwork Network { get; }
    public string Sha256 { get; }
    public string Name => Spec.Name;

    /// <summary>Loads a teacher; a missing file or unknown architecture is one line naming the teacher.</summary>
    public static Teacher Load(TeacherSpec spec, Action<string> log)
    {
        if (spec.Onnx is not null)
        {
            var card = ModelCard.LoadFor(spec.Onnx);
            var network = new OnnxDepthNetwork(card, cuda: spec.Cuda, log: log);
            log($"teacher {spec.Name}: {card.ModelPath} on {network.Provider} ({card.Output.Kind}, weight {spec.Weight.ToString(CultureInfo.InvariantCulture)})");
            return new Teacher(spec, network, card.Sha256 ?? ModelStore.Sha256Hex(card.ModelPath));
        }
        var arch = DepthArchitectures.Find(spec.Arch!);
        if (spec.Weights is null || !(File.Exists(spec.Weights) || Directory.Exists(spec.Weights)))
            throw new FileNotFoundException($"teacher {spec.Name}: weights {spec.Weights} not found");
        var module = Training.Checkpoints.NetworkWeights.Load(arch, spec.Weights);
        var torchNet = new TorchDepthNetwork(module, arch.Card(spec.Name, Path.GetFileName(spec.Weights)), ownsModule: true);
        log($"teacher {spec.Name}: {arch.Name} from {spec.Weights} in TorchSharp on the CPU (weight {spec.Weight.ToString(CultureInfo.InvariantCulture)})");
        var weightsFile = Directory.Exists(spec.Weights) ? Path.Combine(spec.Weights, "student.safetensors") : spec.Weights;
        return new Teacher(spec, torchNet, ModelStore.Sha256Hex(weightsFile));
    }

    /// <summary>The pre-processing field of the label-cache identity: everything that changes the teacher's input.</summary>
    public string Preprocessing
    {
        get
        {
            var i = Network.Card.Input;
            var s = i.Size;
            return FormattableString.Invariant(
                $"{i.ColorOrder} scale {i.Scale} mean [{string.Join(",", i.Mean)}] std [{string.Join(",", i.Std)}] resize {i.Resize} size {(s.KeepAspect ? $"keep-aspect {s.Width}x{s.Height}/{s.MultipleOf} {s.Bound}" : $"{s.Width}x{s.Height}")} output {Network.Card.Output.Kind}");
        }
    }

    public LabelCacheIdentity Identity(string geometry, int seed, int viewsPerFrame) =>
        new(Name, Sha256, Preprocessing, geometry, seed, viewsPerFrame);

    /// <summary>The shared-context map of the crop, then one map per patch, as disparity.</summary>
    public IReadOnlyList<LabelMap> Label(RgbFrame frame, CrossContextSample sample)
    {
        var boxes = new List<SquareBox>(1 + sample.Patches.Count) { sample.Crop };
        for (var n = 0; n < sample.Patches.Count; n++) boxes.Add(sample.PatchInFrame(n));
        var maps = new LabelMap[boxes.Count];
        // Boxes of one side share an input size: the crop alone, the patches together.
        foreach (var group in boxes.Select((b, i) => (b, i)).GroupBy(x => x.b.Side))
        {
            var size = Network.Card.Input.Size.Choose(group.Key, group.Key);
            var output = Network.Predict(frame.Batch(group.Select(x => x.b).ToList(), Network.Card.Input, size));
            var plane = output.H * output.W;
            var k = 0;
            foreach (var (_, index) in group)
            {
                var values = output.Data.AsSpan(k++ * plane, plane).ToArray();
                ToDisparity(values, Network.Card.Output.Kind);
                maps[index] = new LabelMap(output.H, output.W, values);
            }
        }
        return maps;
    }

    /// <summary>In place: depth (metric or relative) → 1/depth, non-positive or non-finite → NaN; disparity kept.</summary>
    public static void ToDisparity(Span<float> values, DepthOutputKind kind)
    {
        for (var i = 0; i < values.Length; i++)
        {
            var v = values[i];
            values[i] = !float.IsFinite(v) ? float.NaN
                : kind == DepthOutputKind.RelativeDisparity ? v
                : v > 0 ? 1f / v : float.NaN;
        }
    }

    public void Dispose() => Network.Dispose();
}
