using DepthNode.Messages;
using YamlDotNet.RepresentationModel;

namespace DepthNode.Camera;

/// <summary>
/// Reads the camera_calibration_parsers YAML format (image_width, camera_matrix, distortion_coefficients,
/// rectification_matrix, projection_matrix) into a <see cref="CameraInfo"/>. Run-once code: plain and strict.
/// </summary>
public static class CameraInfoYaml
{
    public static CameraInfo Load(string path, string frameId = "")
    {
        var stream = new YamlStream();
        using (var reader = File.OpenText(path)) stream.Load(reader);
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        string Scalar(string key) => root.Children.TryGetValue(new YamlScalarNode(key), out var n) && n is YamlScalarNode s && s.Value is not null
            ? s.Value : throw new InvalidDataException($"{path}: missing '{key}'");
        double[] Matrix(string key, int count)
        {
            if (!root.Children.TryGetValue(new YamlScalarNode(key), out var n) || n is not YamlMappingNode m)
                throw new InvalidDataException($"{path}: missing '{key}'");
            var data = ((YamlSequenceNode)m.Children[new YamlScalarNode("data")]).Children
                .Select(c => double.Parse(((YamlScalarNode)c).Value!, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            if (count >= 0 && data.Length != count) throw new InvalidDataException($"{path}: '{key}' has {data.Length} values, expected {count}");
            return data;
        }
        var width = uint.Parse(Scalar("image_width"), System.Globalization.CultureInfo.InvariantCulture);
        var height = uint.Parse(Scalar("image_height"), System.Globalization.CultureInfo.InvariantCulture);
        return new CameraInfo(new Header(default, frameId), height, width, Scalar("distortion_model"),
            Matrix("distortion_coefficients", -1), Matrix("camera_matrix", 9), Matrix("rectification_matrix", 9),
            Matrix("projection_matrix", 12), 0, 0, default);
    }
}
