namespace DepthNode.Imaging;

/// <summary>
/// An image's metadata or bytes cannot be used (unknown encoding, step too small, truncated data, ...).
/// Thrown before any pixel is read; the message names the field and the numbers involved.
/// </summary>
/// <remarks>A FormatException because InvalidDataException is sealed; the CLI runner reports it as one line.</remarks>
public sealed class ImageFormatException(string field, string message) : FormatException($"image {field}: {message}")
{
    /// <summary>The sensor_msgs field at fault: "encoding", "width", "height", "step", "data", "format".</summary>
    public string Field { get; } = field;
}
