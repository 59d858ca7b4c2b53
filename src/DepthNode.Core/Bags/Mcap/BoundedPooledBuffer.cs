using System.Buffers;

namespace DepthNode.Bags.Mcap;

/// <summary>
/// A growable byte buffer rented from <see cref="ArrayPool{T}"/>, reused chunk after chunk. It grows only as bytes
/// are actually written and never beyond <see cref="Limit"/>, so a chunk that merely claims a huge size cannot make
/// the reader allocate it.
/// </summary>
internal sealed class BoundedPooledBuffer : IBufferWriter<byte>, IDisposable
{
    private byte[] _array = [];
    public int Length { get; private set; }
    public long Limit { get; set; } = System.Array.MaxLength;
    public byte[] Array => _array;
    public Span<byte> Span => _array.AsSpan(0, Length);
    public ReadOnlyMemory<byte> Memory => _array.AsMemory(0, Length);

    public void Reset(long limit) { Length = 0; Limit = limit; }

    /// <summary>Makes room for <paramref name="size"/> bytes at once (used when the size is known and justified).</summary>
    public Span<byte> ResetTo(int size)
    {
        Length = 0;
        Limit = size;
        Ensure(size);
        Length = size;
        return _array.AsSpan(0, size);
    }

    public void Advance(int count)
    {
        if (Length + (long)count > Limit) throw new InsufficientMemoryException($"output exceeds the declared {Limit} bytes");
        Length += count;
    }

    // Decoders may ask for a whole block of room (LZ4: up to 4 MiB) even when less remains; that much slack is allowed.
    private const long DecoderSlack = (4 << 20) + (64 << 10);

    public Memory<byte> GetMemory(int sizeHint = 0) { Ensure(Length + Math.Max(sizeHint, 1)); return _array.AsMemory(Length); }

    public Span<byte> GetSpan(int sizeHint = 0) { Ensure(Length + Math.Max(sizeHint, 1)); return _array.AsSpan(Length); }

    private void Ensure(long needed)
    {
        if (needed <= _array.Length) return;
        if (needed > Limit + DecoderSlack) throw new InsufficientMemoryException($"output exceeds the declared {Limit} bytes");
        var size = (int)Math.Min(Math.Max(needed, Math.Min((long)_array.Length * 2, Limit)), System.Array.MaxLength);
        size = Math.Max(size, (int)Math.Min(Limit, 4096));
        var next = ArrayPool<byte>.Shared.Rent(size);
        _array.AsSpan(0, Length).CopyTo(next);
        if (_array.Length > 0) ArrayPool<byte>.Shared.Return(_array);
        _array = next;
    }

    public void Dispose()
    {
        if (_array.Length > 0) ArrayPool<byte>.Shared.Return(_array);
        _array = [];
        Length = 0;
    }
}
