using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace DepthNode.Cdr;

/// <summary>What went wrong in a CDR payload; <see cref="Truncated"/> is its own kind so callers can tell a cut
/// recording from corrupt data.</summary>
public enum CdrErrorKind
{
    /// <summary>The payload ends before the field (or a length field claims more bytes than remain).</summary>
    Truncated,
    /// <summary>The 4-byte encapsulation header is missing or malformed.</summary>
    InvalidHeader,
    /// <summary>A valid encapsulation kind this codec does not implement (PL_CDR, CDR2, …).</summary>
    UnsupportedEncapsulation,
    /// <summary>A value outside what the field allows (e.g. a bool that is neither 0 nor 1, a bounded sequence over its bound).</summary>
    InvalidValue,
    /// <summary>A <c>ros2msg</c> schema text that cannot be parsed or resolved.</summary>
    InvalidSchema,
}

/// <summary>
/// Thrown for any malformed CDR payload or message schema. Carries the byte offset (from the start of the payload,
/// header included) and the field being read, e.g. <c>sensor_msgs/Image.step</c>.
/// </summary>
/// <remarks>
/// <see cref="InvalidDataException"/> is sealed in .NET 10, so this derives from its base, <see cref="IOException"/>
/// (as the bag readers' exceptions do); the CLI runner reports it as one line.
/// </remarks>
public sealed class CdrException : IOException, IDataFormatError
{
    public CdrException(CdrErrorKind kind, string message, long offset = -1, string? field = null)
        : base(message)
    {
        Kind = kind;
        Offset = offset;
        Field = field;
    }

    public CdrErrorKind Kind { get; }

    /// <summary>Byte offset in the payload (counting the 4-byte encapsulation header), or -1 when not applicable.</summary>
    public long Offset { get; }

    /// <summary>The field being read, as <c>package/Type.field</c>, or null.</summary>
    public string? Field { get; }

    DataErrorKind IDataFormatError.ErrorKind => Kind switch
    {
        CdrErrorKind.Truncated => DataErrorKind.Truncated,
        CdrErrorKind.UnsupportedEncapsulation => DataErrorKind.Unsupported,
        _ => DataErrorKind.Invalid,
    };
}

/// <summary>Cold throw paths, kept out of the inlined readers so the hot paths stay small.</summary>
internal static class CdrThrow
{
    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void Truncated(string field, int offset, long needed, int available) =>
        throw new CdrException(CdrErrorKind.Truncated,
            $"CDR payload truncated reading {field} at byte {offset}: needs {needed} byte(s), {available} left",
            offset, field);

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void LengthBeyondPayload(string field, int offset, uint count, int elementSize, int available) =>
        throw new CdrException(CdrErrorKind.Truncated,
            $"CDR length of {field} at byte {offset} is {count} element(s) of {elementSize} byte(s), but only {available} byte(s) remain",
            offset, field);

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void InvalidValue(string field, int offset, string what) =>
        throw new CdrException(CdrErrorKind.InvalidValue, $"CDR field {field} at byte {offset}: {what}", offset, field);

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void Header(CdrErrorKind kind, string what) =>
        throw new CdrException(kind, $"CDR encapsulation header: {what}", 0, "encapsulation");
}
