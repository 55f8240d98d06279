package org.tensorflow;

import static org.tensorflow.internal.c_api.global.tensorflow.TF_SetConfig;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_SetTarget;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.tensorflow.internal.c_api.TF_Session;
import org.tensorflow.internal.c_api.TF_SessionOptions;
import org.tensorflow.internal.c_api.TF_Status;
import org.tensorflow.proto.ConfigProto;

/**
 * Sessions against a TensorFlow server ("grpc://host:port"). TF Java has no public way to set a
 * session target, so this class lives in package org.tensorflow to reach Session's handle
 * constructor (classpath only, not the module path).
 */
public final class RemoteSessions {
  private RemoteSessions() {}

  public static Session create(Graph graph, String target, ConfigProto config) {
    try (Graph.Reference ref = graph.ref(); PointerScope scope = new PointerScope()) {
      TF_Status status = TF_Status.newStatus();
      TF_SessionOptions opts = TF_SessionOptions.newSessionOptions();
      TF_SetTarget(opts, target);
      if (config != null) {
        BytePointer bytes = new BytePointer(config.toByteArray());
        TF_SetConfig(opts, bytes, bytes.capacity(), status);
        status.throwExceptionIfNotOK();
      }
      TF_Session session = TF_Session.newSession(ref.nativeHandle(), opts, status);
      status.throwExceptionIfNotOK();
      return new Session(graph, session.retainReference());
    }
  }

  /**
   * Runs the initializers of variables this task owns (devices outside {@code /job:ps}, such as
   * Adam's beta powers), leaving the chief's variables on the parameter servers alone.
   */
  public static int initializeLocalVariables(Session session, Graph graph) {
    Session.Runner runner = session.runner();
    int n = 0;
    synchronized (graph.initializers()) {
      for (Operation op : graph.initializers()) {
        String device = op instanceof GraphOperation g ? g.device() : "";
        if (!device.contains("/job:ps")) {
          runner.addTarget(op);
          n++;
        }
      }
    }
    if (n > 0) {
      runner.run().close();
    }
    return n;
  }

  /** For workers whose variables the chief initialized on the parameter servers. */
  public static void markInitialized(Session session) {
    session.markAllInitializersAsRan();
  }
}
