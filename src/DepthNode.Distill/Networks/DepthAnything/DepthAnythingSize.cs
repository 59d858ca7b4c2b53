namespace DepthNode.Distill.Networks.DepthAnything;

/// <summary>
/// One size of the Depth Anything V2 / Distill-Any-Depth network: the DINOv2 ViT/14 encoder and the DPT head that
/// reads four of its blocks. The numbers are the published configurations (DAv2 `dpt.py` model configs, DAD `app.py`).
/// </summary>
public sealed record DepthAnythingSize(
    string Name,
    int EmbedDim,
    int Depth,
    int Heads,
    int[] TapBlocks,
    int Features,
    int[] OutChannels)
{
    /// <summary>The encoder was trained at 518×518: 37×37 patches of 14 pixels, one position embedding each.</summary>
    public const int PatchSize = 14;
    public const int PositionGrid = 37;

    public static DepthAnythingSize Small { get; } = new("dad-small", 384, 12, 6, [2, 5, 8, 11], 64, [48, 96, 192, 384]);
    public static DepthAnythingSize Base { get; } = new("dad-base", 768, 12, 12, [2, 5, 8, 11], 128, [96, 192, 384, 768]);
    public static DepthAnythingSize Large { get; } = new("dad-large", 1024, 24, 16, [4, 11, 17, 23], 256, [256, 512, 1024, 1024]);

    public static IReadOnlyList<DepthAnythingSize> All { get; } = [Small, Base, Large];

    /// <summary>The size named `dad-small|dad-base|dad-large`, or a one-line error listing them.</summary>
    public static DepthAnythingSize Named(string name) =>
        All.FirstOrDefault(s => s.Name == name)
        ?? throw new ArgumentException($"unknown Depth Anything size '{name}'; expected one of {string.Join(", ", All.Select(s => s.Name))}");

    public int HeadDim => EmbedDim / Heads;
}
