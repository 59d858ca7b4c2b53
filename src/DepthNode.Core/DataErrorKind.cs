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
