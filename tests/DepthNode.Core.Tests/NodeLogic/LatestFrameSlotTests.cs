using DepthNode.NodeLogic;

namespace DepthNode.Core.Tests.NodeLogic;

public class LatestFrameSlotTests
{
    private sealed record Frame(int Seq);

    [Fact]
    public void CapacityOne_KeepsNewestAndReturnsEvicted()
    {
        var slot = new LatestFrameSlot<Frame>();
        var a = new Frame(1);
        Assert.Null(slot.Offer(a));
        Assert.Same(a, slot.Offer(new Frame(2)));
        Assert.True(slot.TryTake(out var f, TimeSpan.Zero));
        Assert.Equal(2, f.Seq);
        Assert.Equal(1, slot.Dropped);
        Assert.False(slot.TryTake(out _, TimeSpan.FromMilliseconds(1)));
    }

    [Fact]
    public async Task FastProducerSlowConsumer_EveryFrameIsEitherProcessedOrCountedAndOrderHolds()
    {
        const int total = 2_000;
        var slot = new LatestFrameSlot<Frame>(capacity: 2);
        var taken = new List<int>();
        var consumer = Task.Run(() =>
        {
            while (slot.TryTake(out var f, TimeSpan.FromSeconds(5)))
            {
                taken.Add(f.Seq);
                if (f.Seq == total - 1) break;
                Thread.SpinWait(2_000); // inference is slower than the camera
            }
        });
        for (var i = 0; i < total; i++) slot.Offer(new Frame(i));
        await consumer.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(total, taken.Count + slot.Dropped);
        Assert.Equal(total - 1, taken[^1]);                 // the newest frame is never lost
        Assert.True(taken.Zip(taken.Skip(1)).All(p => p.First < p.Second));
    }

    [Fact]
    public async Task Close_WakesWaitingTakerAndRefusesNewFrames()
    {
        var slot = new LatestFrameSlot<Frame>();
        var waiter = Task.Run(() => slot.TryTake(out _, TimeSpan.FromSeconds(30)));
        await Task.Delay(50);
        slot.Close();
        Assert.False(await waiter.WaitAsync(TimeSpan.FromSeconds(5)));
        var f = new Frame(9);
        Assert.Same(f, slot.Offer(f));
    }
}
