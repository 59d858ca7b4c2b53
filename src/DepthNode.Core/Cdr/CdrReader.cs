using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace DepthNode.Cdr;

/// <summary>
/// Forward-only reader over one serialized ROS 2 message (encapsulation header + plain CDR body), in the manner of
/// <c>Utf8JsonReader</c>: a ref struct over the caller's bytes that never copies them. Every read takes the name of
/// the field it reads (a string literal such as <c>"sensor_msgs/Image.step"</c>), so a failure reports exactly
/// which field and which byte offset broke.
/// </summary>
/// <remarks>
/// Alignment is counted from the first byte after the 4-byte header (byte 4 of the payload), not from byte 0.
/// Padding bytes are skipped without looking at them (real recorders leave garbage there), and bytes after the
/// last field are ignored (rmw rounds payloads up to a multiple of 4). Sequence lengths are checked against the
/// bytes that remain before anything is allocated, so a corrupt length costs an exception, not memory.
/// </remarks>
public ref struct CdrReader
{
    /// <summary>Size of the encapsulation header that precedes the CDR body.</summary>
    public const int HeaderSize = 4;

    private readonly ReadOnlySpan<byte> _buffer;
    private readonly bool _littleEndian;
    private int _position;

    /// <summary>Reads and checks the encapsulation header. Throws <see cref="CdrException"/> for kinds other than CDR_LE/CDR_BE.</summary>
    public CdrReader(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < HeaderSize)
            CdrThrow.Truncated("encapsulation", 0, HeaderSize, payload.Length);
        if (payload[0] != 0)
            CdrThrow.Header(CdrErrorKind.InvalidHeader, $"first byte is 0x{payload[0]:x2}, expected 0x00 (bytes {payload[0]:x2} {payload[1]:x2} {payload[2]:x2} {payload[3]:x2})");
        var kind = (CdrEncapsulation)payload[1];
        if (kind is not (CdrEncapsulation.CdrLittleEndian or CdrEncapsulation.CdrBigEndian))
            CdrThrow.Header(CdrErrorKind.UnsupportedEncapsulation,
                $"encapsulation kind {kind.SpecName()} (0x{payload[1]:x2}) is not supported; only CDR_LE (0x01) and CDR_BE (0x00), i.e. plain CDR / XCDR1 as written by ROS 2");
        _buffer = payload;
        Encapsulation = kind;
        _littleEndian = kind == CdrEncapsulation.CdrLittleEndian;
        _position = HeaderSize;
    }

    /// <summary>
    /// Like the constructor, but returns false instead of throwing when the header is missing or not CDR_LE/CDR_BE
    /// (e.g. to skip messages of another encoding without exception cost).
    /// </summary>
    public static bool TryCreate(ReadOnlySpan<byte> payload, out CdrReader reader)
    {
        if (payload.Length < HeaderSize || payload[0] != 0 || payload[1] > (byte)CdrEncapsulation.CdrLittleEndian)
        {
            reader = default;
            return false;
        }
        reader = new CdrReader(payload);
        return true;
    }

    public CdrEncapsulation Encapsulation { get; }

    public readonly bool IsLittleEndian => _littleEndian;

    /// <summary>Offset of the next unread byte, counted from the start of the payload (header included).</summary>
    public readonly int Position => _position;

    /// <summary>Bytes left after <see cref="Position"/> (trailing padding included).</summary>
    public readonly int Remaining => _buffer.Length - _position;

    /// <summary>Skips padding so the next value of <paramref name="size"/> bytes is aligned relative to byte 4.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Align(int size)
    {
        var rel = _position - HeaderSize;
        _position = HeaderSize + ((rel + size - 1) & ~(size - 1));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ReadOnlySpan<byte> Take(int size, string field)
    {
        Align(size);
        if ((uint)_position > (uint)_buffer.Length || _buffer.Length - _position < size)
            CdrThrow.Truncated(field, Math.Min(_position, _buffer.Length), size, Math.Max(0, _buffer.Length - _position));
        var s = _buffer.Slice(_position, size);
        _position += size;
        return s;
    }

    public byte ReadByte(string field) => Take(1, field)[0];

    public sbyte ReadInt8(string field) => (sbyte)Take(1, field)[0];

    /// <summary>A bool is one byte; anything but 0 and 1 is refused (it would mean the reader is misaligned).</summary>
    public bool ReadBool(string field)
    {
        var b = Take(1, field)[0];
        if (b > 1) CdrThrow.InvalidValue(field, _position - 1, $"bool byte is {b}, expected 0 or 1");
        return b != 0;
    }

    public short ReadInt16(string field)
    {
        var s = Take(2, field);
        return _littleEndian ? BinaryPrimitives.ReadInt16LittleEndian(s) : BinaryPrimitives.ReadInt16BigEndian(s);
    }

    public ushort ReadUInt16(string field)
    {
        var s = Take(2, field);
        return _littleEndian ? BinaryPrimitives.ReadUInt16LittleEndian(s) : BinaryPrimitives.ReadUInt16BigEndian(s);
    }

    public int ReadInt32(string field)
    {
        var s = Take(4, field);
        return _littleEndian ? BinaryPrimitives.ReadInt32LittleEndian(s) : BinaryPrimitives.ReadInt32BigEndian(s);
    }

    public uint ReadUInt32(string field)
    {
        var s = Take(4, field);
        return _littleEndian ? BinaryPrimitives.ReadUInt32LittleEndian(s) : BinaryPrimitives.ReadUInt32BigEndian(s);
    }

    public long ReadInt64(string field)
    {
        var s = Take(8, field);
        return _littleEndian ? BinaryPrimitives.ReadInt64LittleEndian(s) : BinaryPrimitives.ReadInt64BigEndian(s);
    }

    public ulong ReadUInt64(string field)
    {
        var s = Take(8, field);
        return _littleEndian ? BinaryPrimitives.ReadUInt64LittleEndian(s) : BinaryPrimitives.ReadUInt64BigEndian(s);
    }

    public float ReadSingle(string field)
    {
        var s = Take(4, field);
        return _littleEndian ? BinaryPrimitives.ReadSingleLittleEndian(s) : BinaryPrimitives.ReadSingleBigEndian(s);
    }

    public double ReadDouble(string field)
    {
        var s = Take(8, field);
        return _littleEndian ? BinaryPrimitives.ReadDoubleLittleEndian(s) : BinaryPrimitives.ReadDoubleBigEndian(s);
    }

    /// <summary>
    /// Reads a sequence's element count and checks that <paramref name="minElementSize"/> × count bytes can still
    /// follow, so callers may allocate <c>count</c> elements safely.
    /// </summary>
    public int ReadSequenceLength(string field, int minElementSize)
    {
        var at = Align4();
        var count = ReadUInt32(field);
        EnsureElements(field, at, count, minElementSize);
        return (int)count;
    }

    /// <summary>Throws a truncation error unless <paramref name="count"/> elements of at least <paramref name="elementSize"/> bytes fit in what remains.</summary>
    public readonly void EnsureElements(string field, int lengthOffset, uint count, int elementSize)
    {
        var available = Math.Max(0, _buffer.Length - _position);
        if ((ulong)count * (ulong)Math.Max(elementSize, 1) > (ulong)available)
            CdrThrow.LengthBeyondPayload(field, lengthOffset, count, elementSize, available);
    }

    private int Align4()
    {
        Align(4);
        return Math.Min(_position, _buffer.Length);
    }

    /// <summary>A <c>uint8[]</c>/<c>byte[]</c> sequence as a slice of the payload (no copy).</summary>
    public ReadOnlySpan<byte> ReadByteSequence(string field)
    {
        var (offset, length) = ReadByteSequenceBounds(field);
        return _buffer.Slice(offset, length);
    }

    /// <summary>
    /// Offset and length of a <c>uint8[]</c> sequence's bytes within the payload, for callers that hold the payload
    /// as <see cref="ReadOnlyMemory{T}"/> and want a slice of it.
    /// </summary>
    public (int Offset, int Length) ReadByteSequenceBounds(string field)
    {
        var count = ReadSequenceLength(field, 1);
        var offset = _position;
        _position += count;
        return (offset, count);
    }

    /// <summary>Fixed-size byte array (<c>uint8[N]</c>): N bytes, no count.</summary>
    public ReadOnlySpan<byte> ReadBytes(string field, int count) => count == 0 ? default : Take1(count, field);

    // Unaligned take (byte arrays, or after an explicit Align).
    private ReadOnlySpan<byte> Take1(int count, string field)
    {
        if ((uint)_position > (uint)_buffer.Length || _buffer.Length - _position < count)
            CdrThrow.Truncated(field, Math.Min(_position, _buffer.Length), count, Math.Max(0, _buffer.Length - _position));
        var s = _buffer.Slice(_position, count);
        _position += count;
        return s;
    }

    /// <summary>
    /// A string's UTF-8 bytes without the terminating NUL (a slice, no copy). Length 0 (no NUL at all) is accepted
    /// as the empty string, as some non-ROS writers emit it.
    /// </summary>
    public ReadOnlySpan<byte> ReadStringBytes(string field)
    {
        var s = ReadByteSequence(field);
        return s.Length > 0 && s[^1] == 0 ? s[..^1] : s;
    }

    public string ReadString(string field)
    {
        var bytes = ReadStringBytes(field);
        return bytes.IsEmpty ? string.Empty : Encoding.UTF8.GetString(bytes);
    }

    /// <summary>Fills <paramref name="destination"/> from a fixed array (<c>float64[9] k</c>): aligned, no count.</summary>
    public void ReadDoubles(string field, Span<double> destination)
    {
        if (destination.IsEmpty) return;
        Align(8);
        var bytes = Take1(checked(destination.Length * 8), field);
        if (_littleEndian == BitConverter.IsLittleEndian)
            MemoryMarshal.Cast<byte, double>(bytes).CopyTo(destination);
        else
            for (var i = 0; i < destination.Length; i++)
                destination[i] = _littleEndian
                    ? BinaryPrimitives.ReadDoubleLittleEndian(bytes.Slice(i * 8, 8))
                    : BinaryPrimitives.ReadDoubleBigEndian(bytes.Slice(i * 8, 8));
    }

    /// <summary>A <c>float64[]</c> sequence into a new array (length checked against the payload first).</summary>
    public double[] ReadDoubleSequence(string field)
    {
        var count = ReadSequenceLength(field, 8);
        if (count == 0) return [];
        var result = new double[count];
        ReadDoubles(field, result);
        return result;
    }
}
