using DepthNode.Imaging;
using DepthNode.Inference;
using OpenCvSharp;

namespace DepthNode.Distill.Networks;

/// <summary>Image files made into a network input batch by the node's own pre-processor (the card's resize filter,
/// channel order, scale and mean/std), so offline runs see exactly the tensors the node feeds.</summary>
public static class NetworkInputs
{
    public static NchwTensor Load(IReadOnlyList<string> imagePaths, ModelInputSpec spec, TensorSize size)
    {
        if (imagePaths.Count == 0) throw new ArgumentException("no images to make a batch of", nameof(imagePaths));
        var pre = new ImagePreprocessor(spec with { Layout = TensorLayout.Nchw });
        var batch = NchwTensor.Zeros(imagePaths.Count, 3, size.Height, size.Width);
        for (var i = 0; i < imagePaths.Count; i++)
        {
            using var bgr = Cv2.ImRead(imagePaths[i], ImreadModes.Color);
            if (bgr.Empty()) throw new InvalidDataException($"{imagePaths[i]}: not a readable image");
            pre.Run(View(bgr), batch.Image(i), size);
        }
        return batch;
    }

    private static unsafe ImageView View(Mat bgr) =>
        ImageView.Create("bgr8", bgr.Cols, bgr.Rows, bgr.Step(), false, new ReadOnlySpan<byte>((void*)bgr.Data, checked((int)(bgr.Step() * bgr.Rows))));
}
