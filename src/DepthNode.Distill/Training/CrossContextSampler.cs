namespace DepthNode.Distill.Training;

/// <summary>
/// Draws the shared-context crop (side uniform over the integers of the allowed range, position uniform) and places
/// the local patches inside it. Seeded: the same seed and call sequence give the same views.
/// </summary>
public sealed class CrossContextSampler
{
    private readonly CrossContextOptions _options;
    private readonly Random _random;

    public CrossContextSampler(CrossContextOptions options, int seed)
    {
        if (options.Validate() is { } error) throw new ArgumentException(error, nameof(options));
        _options = options;
        _random = new Random(seed);
    }

    /// <summary>
    /// A view of a frame. Frames whose short side is below the configured minimum get crops of the short side;
    /// patches never exceed the crop.
    /// </summary>
    public CrossContextSample Sample(int frameWidth, int frameHeight)
    {
        if (frameWidth < 1 || frameHeight < 1) throw new ArgumentException($"frame size {frameWidth}×{frameHeight} is empty");
        var shortSide = Math.Min(frameWidth, frameHeight);
        var max = _options.CropSideMax == 0 ? shortSide : Math.Min(_options.CropSideMax, shortSide);
        var min = Math.Min(_options.CropSideMin, max);
        var side = _random.Next(min, max + 1);
        var crop = new SquareBox(_random.Next(0, frameWidth - side + 1), _random.Next(0, frameHeight - side + 1), side);

        var p = Math.Min(_options.PatchSide, side);
        var far = side - p;
        var patches = new SquareBox[_options.PatchCount];
        for (var n = 0; n < patches.Length; n++)
            patches[n] = _options.Placement == PatchPlacement.Corners
                ? new SquareBox(n % 2 == 0 ? 0 : far, n < 2 ? 0 : far, p)
                : new SquareBox(_random.Next(0, far + 1), _random.Next(0, far + 1), p);
        return new CrossContextSample(crop, patches);
    }
}
