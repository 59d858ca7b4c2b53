namespace DepthNode;

/// <summary>The few ways bytes from outside (a CDR payload, an MCAP file, an image's fields) can be unusable.</summary>
public enum DataErrorKind
{
    /// <summary>The bytes end before what the fields promise: a cut recording, a short buffer.</summary>
    Truncated,
    /// <summary>A field holds a value the format does not allow (bad magic, step smaller than a row, empty image, …).</summary>
    Invalid,
    /// <summary>Valid, but not something this code reads (an encapsulation or pixel encoding it does not implement).</summary>
    Unsupported,
    /// <summary>A declared size exceeds a configured limit: refused before anything is allocated.</summary>
    TooLarge,
    /// <summary>A stored checksum does not match the bytes.</summary>
    CrcMismatch,
}

/// <summary>
/// The one shape of every "these bytes cannot be used" error (<see cref="Cdr.CdrException"/>,
/// <see cref="Bags.Mcap.McapException"/>, <see cref="Imaging.ImageFormatException"/>): what went wrong, in which field,
/// at which byte. A caller that only needs to drop a frame and count it catches any of them through this interface.
/// </summary>
public interface IDataFormatError
{
    DataErrorKind ErrorKind { get; }

    /// <summary>The field at fault (e.g. <c>sensor_msgs/Image.step</c>, <c>Chunk.records</c>, <c>depth.row_stride</c>), or null.</summary>
    string? Field { get; }

    /// <summary>Byte offset where the problem was found (in the payload, file or pixel buffer), or -1 when not applicable.</summary>
    long Offset { get; }
}
