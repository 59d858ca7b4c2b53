using System.Buffers;

namespace DepthNode.Cdr;

/// <summary>
/// A growable byte buffer rented from <see cref="ArrayPool{T}.Shared"/>. <see cref="Clear"/> keeps the array, so a
/// writer reused for every frame allocates nothing once it has grown to the largest message.
/// </summary>
public sealed class PooledByteBuffer : IBufferWriter<byte>, IDisposable
{
    private byte[] _array;
    private int _written;

    public PooledByteBuffer(int initialCapacity = 4096) =>
        _array = ArrayPool<byte>.Shared.Rent(Math.Max(initialCapacity, 256));

    public int WrittenCount => _written;
    public ReadOnlySpan<byte> WrittenSpan => _array.AsSpan(0, _written);
    public ReadOnlyMemory<byte> WrittenMemory => _array.AsMemory(0, _written);

    public void Clear() => _written = 0;

    public void Advance(int count)
    {
        if ((uint)count > (uint)(_array.Length - _written))
            throw new ArgumentOutOfRangeException(nameof(count), count, "advanced past the buffer");
        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _array.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _array.AsSpan(_written);
    }

    private void Ensure(int sizeHint)
    {
        var need = Math.Max(sizeHint, 1);
        if (_array.Length - _written >= need) return;
        var newSize = (int)Math.Min(Array.MaxLength, Math.Max((long)_written + need, (long)_array.Length * 2));
        if (newSize - _written < need) throw new OutOfMemoryException($"a CDR buffer cannot grow to {(long)_written + need} bytes");
        var bigger = ArrayPool<byte>.Shared.Rent(newSize);
        _array.AsSpan(0, _written).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_array);
        _array = bigger;
    }

    public void Dispose()
    {
        var a = _array;
        _array = [];
        _written = 0;
        if (a.Length > 0) ArrayPool<byte>.Shared.Return(a);
    }
}
