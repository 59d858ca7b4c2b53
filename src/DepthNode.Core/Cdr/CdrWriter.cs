using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace DepthNode.Cdr;

/// <summary>
/// Writes one ROS 2 message as rmw does: header <c>00 01 00 00</c> (CDR_LE), little-endian body, zero padding,
/// alignment counted from byte 4, and the payload rounded up to a multiple of 4 by <see cref="Flush"/>.
/// </summary>
/// <remarks>
/// Like <c>Utf8JsonWriter</c>, it writes into an <see cref="IBufferWriter{T}"/> — the caller's, or its own
/// <see cref="PooledByteBuffer"/> — keeping written-but-uncommitted bytes pending in one contiguous block until
/// <see cref="Flush"/>. <see cref="Reset()"/> starts the next message reusing the same memory, so steady-state
/// publishing allocates nothing.
/// </remarks>
public sealed class CdrWriter : IDisposable
{
    private const int MinimumGrowth = 4096;

    private IBufferWriter<byte> _output;
    private readonly PooledByteBuffer? _ownBuffer;
    private Memory<byte> _memory;
    private int _pending;          // bytes written into _memory, not yet Advance()d
    private long _committed;       // bytes of this message already Advance()d
    private bool _flushed;

    /// <summary>Writes into an internal pooled buffer; read the result from <see cref="WrittenMemory"/> after <see cref="Flush"/>.</summary>
    public CdrWriter(int initialCapacity = 4096)
    {
        _ownBuffer = new PooledByteBuffer(initialCapacity);
        _output = _ownBuffer;
        WriteHeader();
    }

    /// <summary>Writes into <paramref name="output"/>; bytes are committed (<c>Advance</c>) on <see cref="Flush"/> or when more room is needed.</summary>
    public CdrWriter(IBufferWriter<byte> output)
    {
        _output = output ?? throw new ArgumentNullException(nameof(output));
        WriteHeader();
    }

    /// <summary>Bytes of the current message written so far, header included.</summary>
    public long BytesWritten => _committed + _pending;

    /// <summary>The finished message when writing into the internal buffer (valid after <see cref="Flush"/>, until <see cref="Reset()"/>).</summary>
    public ReadOnlyMemory<byte> WrittenMemory =>
        _ownBuffer is null ? throw new InvalidOperationException("this CdrWriter writes into a caller-supplied IBufferWriter")
        : !_flushed ? throw new InvalidOperationException("call Flush() before reading WrittenMemory")
        : _ownBuffer.WrittenMemory;

    public ReadOnlySpan<byte> WrittenSpan => WrittenMemory.Span;

    /// <summary>
    /// Starts a new message. With the internal buffer the previous message is discarded and its memory reused; with
    /// a caller's buffer the next message follows what was flushed. Bytes written since the last <see cref="Flush"/>
    /// and not yet committed are dropped.
    /// </summary>
    public void Reset()
    {
        _ownBuffer?.Clear();
        StartMessage();
    }

    /// <summary>Starts a new message written into <paramref name="output"/> (only for writers built over an <see cref="IBufferWriter{T}"/>).</summary>
    public void Reset(IBufferWriter<byte> output)
    {
        if (_ownBuffer is not null) throw new InvalidOperationException("this CdrWriter owns its buffer; use Reset()");
        _output = output ?? throw new ArgumentNullException(nameof(output));
        StartMessage();
    }

    private void StartMessage()
    {
        _memory = default;
        _pending = 0;
        _committed = 0;
        WriteHeader();
    }

    /// <summary>
    /// Ends the message: pads it with zeros to a multiple of 4 (as rmw does) and commits everything to the output.
    /// Call <see cref="Reset()"/> before writing the next message.
    /// </summary>
    public void Flush()
    {
        if (_flushed) return;
        var pad = (int)((4 - (BytesWritten & 3)) & 3);
        if (pad > 0) Reserve(pad).Clear();
        _output.Advance(_pending);
        _committed += _pending;
        _pending = 0;
        _memory = default;
        _flushed = true;
    }

    private void WriteHeader()
    {
        _flushed = false;
        var s = Reserve(4);
        s[0] = 0x00; s[1] = (byte)CdrEncapsulation.CdrLittleEndian; s[2] = 0; s[3] = 0;
    }

    /// <summary>
    /// Makes sure <paramref name="bytes"/> more bytes fit in the current block without growing; spans returned by
    /// <see cref="ReserveBytes"/> stay valid while later writes stay within what was ensured.
    /// </summary>
    public void EnsureCapacity(int bytes)
    {
        if (_memory.Length - _pending >= bytes) return;
        Grow(bytes);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow(int bytes)
    {
        if (_pending > 0)
        {
            _output.Advance(_pending);
            _committed += _pending;
            _pending = 0;
        }
        _memory = _output.GetMemory(Math.Max(bytes, MinimumGrowth));
        if (_memory.Length < bytes) throw new InvalidOperationException($"the output buffer returned {_memory.Length} bytes, {bytes} requested");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Span<byte> Reserve(int size)
    {
        if (_memory.Length - _pending < size) Grow(size);
        var s = _memory.Span.Slice(_pending, size);
        _pending += size;
        _flushed = false;
        return s;
    }

    /// <summary>Writes zero padding so the next value of <paramref name="size"/> bytes is aligned relative to byte 4.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Align(int size)
    {
        var rel = (int)((BytesWritten - CdrReader.HeaderSize) & (size - 1));
        if (rel != 0) Reserve(size - rel).Clear();
    }

    private Span<byte> Aligned(int size)
    {
        Align(size);
        return Reserve(size);
    }

    public void WriteByte(byte value) => Reserve(1)[0] = value;
    public void WriteInt8(sbyte value) => Reserve(1)[0] = (byte)value;
    public void WriteBool(bool value) => Reserve(1)[0] = value ? (byte)1 : (byte)0;

    /// <summary>Writes a bool and returns its byte, for a value known only after later bytes are filled in place
    /// (PointCloud2.is_dense). The span is valid while the block it lies in was ensured.</summary>
    public Span<byte> WriteBoolInPlace(bool value)
    {
        var s = Reserve(1);
        s[0] = value ? (byte)1 : (byte)0;
        return s;
    }
    public void WriteInt16(short value) => BinaryPrimitives.WriteInt16LittleEndian(Aligned(2), value);
    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Aligned(2), value);
    public void WriteInt32(int value) => BinaryPrimitives.WriteInt32LittleEndian(Aligned(4), value);
    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Aligned(4), value);
    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64LittleEndian(Aligned(8), value);
    public void WriteUInt64(ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Aligned(8), value);
    public void WriteSingle(float value) => BinaryPrimitives.WriteSingleLittleEndian(Aligned(4), value);
    public void WriteDouble(double value) => BinaryPrimitives.WriteDoubleLittleEndian(Aligned(8), value);

    /// <summary>A string: uint32 length including the NUL, the UTF-8 bytes, the NUL (an empty string is length 1 + NUL).</summary>
    public void WriteString(string value)
    {
        var byteCount = Encoding.UTF8.GetByteCount(value);
        WriteUInt32(checked((uint)byteCount + 1));
        var s = Reserve(byteCount + 1);
        Encoding.UTF8.GetBytes(value, s);
        s[byteCount] = 0;
    }

    /// <summary>A string given as UTF-8 bytes (without NUL).</summary>
    public void WriteString(ReadOnlySpan<byte> utf8)
    {
        WriteUInt32(checked((uint)utf8.Length + 1));
        var s = Reserve(utf8.Length + 1);
        utf8.CopyTo(s);
        s[utf8.Length] = 0;
    }

    /// <summary>A <c>uint8[]</c> sequence: count, then the bytes (no alignment for the bytes).</summary>
    public void WriteByteSequence(ReadOnlySpan<byte> bytes)
    {
        WriteUInt32((uint)bytes.Length);
        bytes.CopyTo(Reserve(bytes.Length));
    }

    /// <summary>Fixed-size byte array (<c>uint8[N]</c>): the bytes, no count.</summary>
    public void WriteBytes(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Reserve(bytes.Length));

    /// <summary>A fixed-size <c>float64[N]</c> array: aligned to 8, no count.</summary>
    public void WriteDoubles(ReadOnlySpan<double> values)
    {
        if (values.IsEmpty) return;
        Align(8);
        var s = Reserve(values.Length * 8);
        if (BitConverter.IsLittleEndian) MemoryMarshal.AsBytes(values).CopyTo(s);
        else for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteDoubleLittleEndian(s[(i * 8)..], values[i]);
    }

    /// <summary>A <c>float64[]</c> sequence: count, then the aligned values.</summary>
    public void WriteDoubleSequence(ReadOnlySpan<double> values)
    {
        WriteUInt32((uint)values.Length);
        WriteDoubles(values);
    }

    /// <summary>
    /// Writes a <c>uint8[]</c> count of <paramref name="length"/> and returns the (uncleared) span where its bytes
    /// go, inside the outgoing buffer — producers fill it in place instead of copying a finished array.
    /// <paramref name="bytesAfter"/> more bytes are made room for at the same time, so fields written after the
    /// payload (and the final padding) cannot move the block while the caller still holds the span.
    /// </summary>
    public Span<byte> WriteByteSequenceInPlace(int length, int bytesAfter = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        WriteUInt32((uint)length);
        EnsureCapacity(checked(length + bytesAfter + 3));
        return Reserve(length);
    }

    public void Dispose() => _ownBuffer?.Dispose();
}
