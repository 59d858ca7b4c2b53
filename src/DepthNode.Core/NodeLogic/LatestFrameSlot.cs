namespace DepthNode.NodeLogic;

/// <summary>
/// The hand-over between the subscription callback and the inference worker. Holds at most <c>capacity</c> frames;
/// offering one more evicts the oldest, which is counted and returned to the caller for recycling. With capacity 1
/// (the default) the worker always takes the newest frame, so latency stays bounded by one inference however far the
/// camera runs ahead: on a vehicle a stale depth image is worse than a missing one.
/// </summary>
public sealed class LatestFrameSlot<T> where T : class
{
    private readonly T?[] _ring;
    private readonly object _gate = new();
    private int _head, _count;
    private long _dropped;
    private bool _closed;

    public LatestFrameSlot(int capacity = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _ring = new T?[capacity];
    }

    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Adds a frame; returns the evicted (stale) frame, if any, so its buffers can be reused.</summary>
    public T? Offer(T frame)
    {
        lock (_gate)
        {
            if (_closed) return frame;
            T? evicted = null;
            if (_count == _ring.Length)
            {
                evicted = _ring[_head];
                _ring[_head] = null;
                _head = (_head + 1) % _ring.Length;
                _count--;
                _dropped++;
            }
            _ring[(_head + _count) % _ring.Length] = frame;
            _count++;
            Monitor.Pulse(_gate);
            return evicted;
        }
    }

    /// <summary>Takes the oldest waiting frame, blocking up to <paramref name="timeout"/>. False on timeout or after <see cref="Close"/>.</summary>
    public bool TryTake(out T frame, TimeSpan timeout)
    {
        lock (_gate)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (_count == 0 && !_closed)
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero || !Monitor.Wait(_gate, left)) break;
            }
            if (_count == 0) { frame = null!; return false; }
            frame = _ring[_head]!;
            _ring[_head] = null;
            _head = (_head + 1) % _ring.Length;
            _count--;
            return true;
        }
    }

    /// <summary>Wakes every waiting taker; later offers are refused (returned as evicted).</summary>
    public void Close()
    {
        lock (_gate) { _closed = true; Monitor.PulseAll(_gate); }
    }
}
