using System.Security.Cryptography;

namespace DepthNode.Distill.Training.Labels;

/// <summary>
/// Stable names of frames in a label cache: a bag message by bag, topic and timestamp, an image file by path and the
/// sha256 of its bytes (so an edited file is not matched to stale labels).
/// </summary>
public static class FrameKeys
{
    public static string ForBagMessage(string bagPath, string topic, long timestampNs) => $"bag:{bagPath}|{topic}|{timestampNs}";

    public static string ForFile(string path)
    {
        using var stream = File.OpenRead(path);
        return $"file:{path}|sha256:{Convert.ToHexStringLower(SHA256.HashData(stream))}";
    }
}
