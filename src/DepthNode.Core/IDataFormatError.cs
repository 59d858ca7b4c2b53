namespace DepthNode;

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
