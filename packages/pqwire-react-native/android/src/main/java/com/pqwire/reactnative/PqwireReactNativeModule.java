package com.pqwire.reactnative;

import androidx.annotation.NonNull;
import com.facebook.react.bridge.JavaScriptContextHolder;
import com.facebook.react.bridge.ReactApplicationContext;
import com.facebook.react.bridge.ReactContextBaseJavaModule;
import com.facebook.react.bridge.ReactMethod;
import com.facebook.react.module.annotations.ReactModule;

/** Installs the JSI module `global.__pqwire` (src/native.ts calls install() once). */
@ReactModule(name = PqwireReactNativeModule.NAME)
public class PqwireReactNativeModule extends ReactContextBaseJavaModule {
  public static final String NAME = "PqwireReactNative";

  static {
    System.loadLibrary("pqwire-react-native");
  }

  public PqwireReactNativeModule(ReactApplicationContext context) {
    super(context);
  }

  @Override
  @NonNull
  public String getName() {
    return NAME;
  }

  private static native boolean nativeInstall(long runtime);

  /** Runs on the JavaScript thread (a blocking synchronous method), where the runtime may be used. */
  @ReactMethod(isBlockingSynchronousMethod = true)
  public boolean install() {
    JavaScriptContextHolder holder = getReactApplicationContext().getJavaScriptContextHolder();
    return holder != null && nativeInstall(holder.get());
  }
}
