using System.Buffers;
using System.IO.MemoryMappedFiles;
using Microsoft.Win32.SafeHandles;

namespace DepthNode.Distill.Training.Labels;

/// <summary>
/// A file mapped read-only and seen as one <see cref="ReadOnlySequence{T}"/>, so a MessagePack reader can walk a
/// label cache of any size and skip its maps without the kernel ever reading them in (only the touched pages are
/// loaded). Memory&lt;byte&gt; cannot exceed 2 GB, so a larger file is a chain of segments.
/// </summary>
internal sealed unsafe class MappedFileBytes : IDisposable
{
    private readonly MemoryMappedFile? _file;
    private readonly MemoryMappedViewAccessor? _view;

    public MappedFileBytes(SafeFileHandle handle, int segmentBytes = 1 << 30)
    {
        var length = RandomAccess.GetLength(handle);
        if (length == 0) return; // an empty file cannot be mapped; it is simply no bytes
        _file = MemoryMappedFile.CreateFromFile(handle, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
        _view = _file.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
        byte* start = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
        start += _view.PointerOffset;
        Segment? first = null, last = null;
        for (long at = 0; at < length; at += segmentBytes)
        {
            var memory = new PointerMemory(start + at, (int)Math.Min(segmentBytes, length - at)).Memory;
            last = last is null ? first = new Segment(memory, 0) : last.Append(memory);
        }
        Bytes = new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    public ReadOnlySequence<byte> Bytes { get; } = ReadOnlySequence<byte>.Empty;

    public void Dispose()
    {
        if (_view is null) return;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file!.Dispose();
    }

    private sealed class PointerMemory(byte* start, int length) : MemoryManager<byte>
    {
        public override Span<byte> GetSpan() => new(start, length);
        public override MemoryHandle Pin(int elementIndex = 0) => new(start + elementIndex);
        public override void Unpin() { }
        protected override void Dispose(bool disposing) { }
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex) => (Memory, RunningIndex) = (memory, runningIndex);

        public Segment Append(ReadOnlyMemory<byte> memory) => (Segment)(Next = new Segment(memory, RunningIndex + Memory.Length));
    }
}
