using System.Buffers.Binary;
using DepthNode.Cdr;
using DepthNode.Core.Tests.Messages;
using DepthNode.Messages;
using DepthNode.Tests;

namespace DepthNode.Core.Tests.Cdr;

/// <summary>
/// Mutation fuzzing with fixed seeds and bounded iterations: random and mutated payloads (bit flips, random bytes,
/// truncation, length fields set huge, bytes inserted or removed) into every typed decoder and the generic decoder.
/// The only exception allowed is <see cref="CdrException"/>, and no decode may allocate more than the input can
/// justify (lengths are checked against the remaining bytes before anything is allocated).
/// </summary>
public class CdrFuzzTests
{
    private const int MutationsPerSeed = 8000;

    private sealed record Target(string Name, byte[] Seed, Func<ReadOnlyMemory<byte>, object> Decode);

    private static List<Target> Targets()
    {
        var targets = new List<Target>();
        void Typed<T>(T message) where T : IRosMessage<T>
        {
            var schema = RosMsgSchema.Parse(T.RosTypeName, MessageDefinitions.Get(T.RosTypeName));
            var bytes = RosMessage.SerializeToArray(message);
            targets.Add(new(T.RosTypeName, bytes, m => RosMessage.Deserialize<T>(m)));
            targets.Add(new(T.RosTypeName + " (generic)", bytes, m => CdrDynamicDecoder.Decode(schema, m)));
        }
        Typed(SampleMessages.Image());
        Typed(new CompressedImage(SampleMessages.Header, "jpeg", new byte[] { 0xff, 0xd8, 0xff, 0xe0, 1, 2, 3 }));
        Typed(SampleMessages.CameraInfo());
        Typed(SampleMessages.PointCloud(4));
        Typed(SampleMessages.Tf());
        Typed(SampleMessages.Diagnostics());
        Typed(SampleMessages.Metadata());
        Typed(new StringMessage("fuzz"));
        foreach (var row in SqliteRows.Messages(SharedData.Path("bags", "ros2bag_tools", "images.bag", "images.bag_0.db3")))
            targets.Add(new("images.bag /image", row.Data, m => RosMessage.Deserialize<Image>(m)));

        var db3 = SharedData.Path("bags", "rosbag2", "rosbag2_tests", "resources", "sqlite3", "cdr_test", "cdr_test_0.db3");
        var defs = SqliteRows.Definitions(db3);
        foreach (var row in SqliteRows.Messages(db3).DistinctBy(r => r.Type))
        {
            var schema = RosMsgSchema.Parse(row.Type, defs[row.Type].Text);
            targets.Add(new(row.Type, row.Data, m => CdrDynamicDecoder.Decode(schema, m)));
        }
        // A schema with every variable-length form, to give huge lengths somewhere to land.
        var wide = RosMsgSchema.Parse("fuzz/Wide", "string s\nwstring w\nint64[] a\nInner[] inner\nuint8[<=4] b\n" +
            new string('=', 80) + "\nMSG: fuzz/Inner\nstring[] names\nfloat64[2] p\nEmpty e\n" + new string('=', 80) + "\nMSG: fuzz/Empty\nint8 C=1\n");
        using var w = new CdrWriter();
        w.WriteString("h");
        w.WriteUInt32(1); w.WriteUInt32('A');              // wstring
        w.WriteUInt32(1); w.WriteInt64(9);                 // int64[]
        w.WriteUInt32(1);                                  // Inner[]
        w.WriteUInt32(1); w.WriteString("n");              //   names
        w.WriteDouble(1); w.WriteDouble(2);                //   p
        w.WriteByte(0);                                    //   e (placeholder byte)
        w.WriteUInt32(2); w.WriteByte(7); w.WriteByte(8);  // b
        w.Flush();
        targets.Add(new("fuzz/Wide", w.WrittenSpan.ToArray(), m => CdrDynamicDecoder.Decode(wide, m)));
        return targets;
    }

    [Fact]
    public void SeedsThemselvesDecode()
    {
        foreach (var t in Targets()) Assert.NotNull(t.Decode(t.Seed));
    }

    [Fact]
    public void MutatedInputs_OnlyThrowCdrException_AndAllocateBoundedMemory()
    {
        var failures = new List<string>();
        var decoded = 0;
        var refused = 0;
        foreach (var (target, index) in Targets().Select((t, i) => (t, i)))
        {
            var random = new Random(1000 + index);
            for (var i = 0; i < MutationsPerSeed; i++)
            {
                var input = Mutate(target.Seed, random);
                var before = GC.GetAllocatedBytesForCurrentThread();
                try
                {
                    target.Decode(input);
                    decoded++;
                }
                catch (CdrException e)
                {
                    refused++;
                    if (e.Kind == CdrErrorKind.Truncated && string.IsNullOrEmpty(e.Field))
                        failures.Add($"{target.Name} #{i}: truncation without a field name: {e.Message}");
                }
                catch (Exception e)
                {
                    failures.Add($"{target.Name} #{i}: {e.GetType().Name}: {e.Message} input={Convert.ToHexString(input)}");
                }
                var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                // Generous bound: a decoded tree costs at most a few hundred bytes per input byte.
                var budget = 512L * input.Length + 64 * 1024;
                if (allocated > budget)
                    failures.Add($"{target.Name} #{i}: allocated {allocated} bytes for a {input.Length}-byte input");
                if (failures.Count > 10) break;
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(decoded > 0 && refused > 0, $"decoded {decoded}, refused {refused}: the mutations should produce both");
    }

    [Fact]
    public void RandomBytesWithAValidHeader_OnlyThrowCdrException()
    {
        var random = new Random(7);
        var targets = Targets();
        var refused = 0;
        var unnamed = new List<string>();
        for (var i = 0; i < 4000; i++)
        {
            var input = new byte[random.Next(0, 200)];
            random.NextBytes(input);
            if (input.Length >= 4 && random.Next(4) != 0) { input[0] = 0; input[1] = (byte)random.Next(2); }
            var t = targets[i % targets.Count];
            // Any exception other than CdrException escapes and fails the test.
            try { t.Decode(input); }
            catch (CdrException e)
            {
                refused++;
                if (string.IsNullOrEmpty(e.Field) || e.Offset < 0) unnamed.Add($"{t.Name} #{i}: {e.Message}");
            }
        }
        Assert.True(refused > 0, "random bytes were never refused: the decoders did not look at them");
        Assert.True(unnamed.Count == 0, "errors without field or offset:\n" + string.Join("\n", unnamed.Take(10)));
    }

    private static byte[] Mutate(byte[] seed, Random random)
    {
        var b = (byte[])seed.Clone();
        var rounds = 1 + random.Next(3);
        for (var r = 0; r < rounds; r++)
        {
            switch (random.Next(7))
            {
                case 0: // bit flip
                    if (b.Length > 4) { var p = 4 + random.Next(b.Length - 4); b[p] ^= (byte)(1 << random.Next(8)); }
                    break;
                case 1: // random byte
                    if (b.Length > 4) b[4 + random.Next(b.Length - 4)] = (byte)random.Next(256);
                    break;
                case 2: // truncate
                    b = b[..random.Next(b.Length + 1)];
                    break;
                case 3: // a 4-byte aligned word (a length, mostly) set huge
                    if (b.Length >= 8)
                    {
                        var p = 4 + 4 * random.Next((b.Length - 4) / 4);
                        uint[] huge = [0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, (uint)b.Length, (uint)b.Length + 1, 0x10000000];
                        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(p), huge[random.Next(huge.Length)]);
                    }
                    break;
                case 4: // insert bytes
                {
                    var p = random.Next(4, Math.Max(5, b.Length));
                    var extra = new byte[1 + random.Next(8)];
                    random.NextBytes(extra);
                    b = [.. b.AsSpan(0, Math.Min(p, b.Length)), .. extra, .. b.AsSpan(Math.Min(p, b.Length))];
                    break;
                }
                case 5: // delete bytes
                    if (b.Length > 6)
                    {
                        var p = 4 + random.Next(b.Length - 5);
                        var n = Math.Min(1 + random.Next(8), b.Length - p);
                        b = [.. b.AsSpan(0, p), .. b.AsSpan(p + n)];
                    }
                    break;
                case 6: // header kind
                    if (b.Length >= 2) b[1] = (byte)random.Next(0x16);
                    break;
            }
        }
        return b;
    }
}
