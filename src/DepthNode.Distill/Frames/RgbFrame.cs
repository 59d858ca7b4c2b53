using DepthNode.Distill.Training;
using DepthNode.Imaging;
using DepthNode.Inference;

namespace DepthNode.Distill.Frames;

/// <summary>
/// A training frame as tightly packed rgb8 rows: whatever the recording's encoding, the node's own pre-processor has
/// already brought it to colour (Bayer frames are demosaiced to half resolution, as the node sees them).
/// </summary>
public sealed class RgbFrame
{
    public RgbFrame(int width, int height, byte[] rgb)
    {
        if (width < 1 || height < 1 || rgb.Length != (long)width * height * 3)
            throw new ArgumentException($"an rgb8 frame of {width}×{height} needs {(long)width * height * 3} bytes, got {rgb.Length}");
        (Width, Height, Rgb) = (width, height, rgb);
    }

    public int Width { get; }
    public int Height { get; }
    public byte[] Rgb { get; }

    /// <summary>
    /// The node's pre-processing of an image into an rgb8 frame at its own size: identity mapping (scale 1, mean 0,
    /// std 1) so the colour conversion is the node's and the values stay the bytes (rounded from the float pass).
    /// </summary>
    public static RgbFrame From(in ImageView image)
    {
        var bayer = PixelEncodings.IsBayer(image.Encoding);
        var (w, h) = bayer ? (image.Width / 2, image.Height / 2) : (image.Width, image.Height);
        var spec = new ModelInputSpec("rgb", TensorLayout.Nhwc, ColorOrder.Rgb, 1f, [0, 0, 0], [1, 1, 1], SizePolicy.Fixed(w, h));
        var values = new float[w * h * 3];
        new ImagePreprocessor(spec).Run(image, values, new TensorSize(w, h));
        var rgb = new byte[values.Length];
        for (var i = 0; i < values.Length; i++) rgb[i] = (byte)Math.Clamp(MathF.Round(values[i]), 0, 255);
        return new RgbFrame(w, h, rgb);
    }

    /// <summary>A square region as its own rgb8 image (copied, so the view is contiguous).</summary>
    public byte[] CopyRegion(SquareBox box)
    {
        if (box.X < 0 || box.Y < 0 || box.Side < 1 || box.X + box.Side > Width || box.Y + box.Side > Height)
            throw new ArgumentOutOfRangeException(nameof(box), $"box {box} is outside the {Width}×{Height} frame");
        var region = new byte[box.Side * box.Side * 3];
        for (var y = 0; y < box.Side; y++)
            Rgb.AsSpan(((box.Y + y) * Width + box.X) * 3, box.Side * 3).CopyTo(region.AsSpan(y * box.Side * 3));
        return region;
    }

    /// <summary>
    /// Square regions pre-processed for a network (the card's resize filter, channel order and value mapping, NCHW)
    /// into one batch; every region is resized to <paramref name="size"/>.
    /// </summary>
    public NchwTensor Batch(IReadOnlyList<SquareBox> boxes, ModelInputSpec spec, TensorSize size)
    {
        var pre = new ImagePreprocessor(spec with { Layout = TensorLayout.Nchw });
        var batch = NchwTensor.Zeros(boxes.Count, 3, size.Height, size.Width);
        for (var i = 0; i < boxes.Count; i++)
        {
            var region = CopyRegion(boxes[i]);
            pre.Run(ImageView.Create("rgb8", boxes[i].Side, boxes[i].Side, boxes[i].Side * 3, false, region), batch.Image(i), size);
        }
        return batch;
    }
}
