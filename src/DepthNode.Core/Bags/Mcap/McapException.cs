namespace DepthNode.Bags.Mcap;

/// <summary>Why an MCAP file could not be read. <see cref="Truncated"/> is its own kind so callers (and the
/// linear reader) can tell "the recording was cut off" from "the bytes are wrong".</summary>
public enum McapErrorKind
{
    /// <summary>A record or field runs past the end of the available bytes.</summary>
    Truncated,
    /// <summary>A field holds a value the format does not allow (bad magic, opcode 0, unknown compression, …).</summary>
    Invalid,
    /// <summary>A stored CRC32 does not match the bytes.</summary>
    CrcMismatch,
    /// <summary>A declared size exceeds the configured limit or what the input can justify.</summary>
    TooLarge,
}

/// <summary>
/// An MCAP read failure. The message names the file (when known), record, field and absolute byte offset, e.g.
/// <c>talker.mcap: truncated Chunk.records at offset 1234: needs 500 bytes, 80 available</c>.
/// </summary>
public sealed class McapException : IOException, IDataFormatError
{
    public McapException(McapErrorKind kind, long offset, string? record, string? field, string detail, string? file = null, Exception? inner = null)
        : base(Format(kind, offset, record, field, detail, file), inner)
    {
        Kind = kind;
        Offset = offset;
        Record = record;
        Field = field;
        File = file;
        Detail = detail;
    }

    public McapErrorKind Kind { get; }
    /// <summary>Absolute byte offset in the file (or in the decompressed chunk when <see cref="Record"/> says so).</summary>
    public long Offset { get; }
    public string? Record { get; }
    public string? Field { get; }
    public string? File { get; }
    public string Detail { get; }

    DataErrorKind IDataFormatError.ErrorKind => Kind switch
    {
        McapErrorKind.Truncated => DataErrorKind.Truncated,
        McapErrorKind.CrcMismatch => DataErrorKind.CrcMismatch,
        McapErrorKind.TooLarge => DataErrorKind.TooLarge,
        _ => DataErrorKind.Invalid,
    };

    /// <summary>The same error, attributed to a file.</summary>
    public McapException WithFile(string file) => File is null ? new(Kind, Offset, Record, Field, Detail, file, this) : this;

    private static string Format(McapErrorKind kind, long offset, string? record, string? field, string detail, string? file)
    {
        var what = kind switch
        {
            McapErrorKind.Truncated => "truncated",
            McapErrorKind.CrcMismatch => "CRC mismatch in",
            McapErrorKind.TooLarge => "size too large in",
            _ => "invalid",
        };
        var where = record is null ? (field is null ? "" : $" {field}") : field is null ? $" {record}" : $" {record}.{field}";
        var prefix = file is null ? "" : file + ": ";
        return $"{prefix}{what}{where} at offset {offset}: {detail}";
    }
}
