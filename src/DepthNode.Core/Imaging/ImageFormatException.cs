namespace DepthNode.Imaging;

/// <summary>
/// An image's metadata or bytes cannot be used (unknown encoding, step too small, truncated data, a size over the cap,
/// a buffer too short for the image it is said to hold). Thrown before any pixel is read; the message names the image,
/// the field and the numbers involved, e.g. <c>depth row_stride: 4 is smaller than width 5 × 1</c>.
/// </summary>
/// <remarks>A FormatException because InvalidDataException is sealed; the CLI runner reports it as one line. Its shape
/// (kind, field, offset) is the one CDR and MCAP errors share (<see cref="IDataFormatError"/>).</remarks>
public sealed class ImageFormatException : FormatException, IDataFormatError
{
    public ImageFormatException(DataErrorKind kind, string image, string field, string message, long offset = -1)
        : base($"{image} {field}: {message}")
    {
        ErrorKind = kind;
        Image = image;
        Field = field;
        Offset = offset;
    }

    /// <summary>An invalid field of a camera image (the common case).</summary>
    public ImageFormatException(string field, string message) : this(DataErrorKind.Invalid, "image", field, message) { }

    public DataErrorKind ErrorKind { get; }

    /// <summary>Which image: "image" (the camera input), "depth", "rgb8", "16UC1 destination", …</summary>
    public string Image { get; }

    /// <summary>The field at fault: "encoding", "width", "height", "step" (or "row_stride"), "data", "format".</summary>
    public string Field { get; }

    /// <summary>For truncated data, the byte (or element) count the geometry needs; -1 otherwise.</summary>
    public long Offset { get; }
}
