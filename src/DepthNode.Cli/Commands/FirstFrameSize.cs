using DepthNode.Bags;
using DepthNode.Inference;
using DepthNode.Messages;
using DepthNode.NodeLogic;

namespace DepthNode.Cli.Commands;

/// <summary>
/// The camera image size a bag's first frame has: what the model warms up for, so a network whose input follows the
/// image's aspect ratio is bound (and, on TensorRT, its engine built) once at start instead of again on frame one.
/// </summary>
public static class FirstFrameSize
{
    /// <summary>The first raw image's size; for compressed images (not decoded here) the first CameraInfo's, undone
    /// by its binning. Null when the bag has neither or they do not deserialize: the card's size is then used.</summary>
    public static TensorSize? Of(IBagReader reader, BagInputTopics topics)
    {
        try
        {
            if (!topics.Compressed)
            {
                foreach (var m in reader.ReadMessages(new BagReadOptions { Topics = [topics.Image] }))
                {
                    var image = RosMessage.Deserialize<Image>(m.Data.ToArray());
                    return image.Width > 0 && image.Height > 0 ? new TensorSize((int)image.Width, (int)image.Height) : null;
                }
                return null;
            }
            foreach (var m in reader.ReadMessages(new BagReadOptions { Topics = [topics.CameraInfo] }))
            {
                var info = RosMessage.Deserialize<CameraInfo>(m.Data.ToArray());
                var (bx, by) = (Math.Max(1u, info.BinningX), Math.Max(1u, info.BinningY));
                return info.Width > 0 && info.Height > 0 ? new TensorSize((int)(info.Width / bx), (int)(info.Height / by)) : null;
            }
            return null;
        }
        catch (Exception e) when (e is IOException or InvalidDataException) // damaged bag or message (CdrException, McapException, BagFormatException)
        {
            return null; // the frame loop drops and reports a bad message; the warm-up just falls back to the card's size
        }
    }
}
