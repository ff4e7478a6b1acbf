//! The twin's targets: the app image built from the repository's Dockerfile
//! ([`image`]) and the stable and canary containers that run it ([`containers`]).

pub mod containers;
pub mod image;

use crate::error::{Error, Result};

/// Environment variable naming an app image to use instead of building one.
pub const IMAGE_ENV: &str = "HARNESS_APP_IMAGE";

/// The app image the twin runs: `$HARNESS_APP_IMAGE` if set (it must exist in the local
/// engine), else the image built from the repository's Dockerfile by
/// [`image::ensure_app_image`].
pub async fn image_for_twin() -> Result<String> {
    if let Ok(image) = std::env::var(IMAGE_ENV) {
        return if image::image_exists(&image).await? {
            Ok(image)
        } else {
            Err(Error::Prerequisite(format!(
                "app image {image} ({IMAGE_ENV}) not found in the local Docker engine"
            )))
        };
    }
    let built = image::ensure_app_image().await?;
    Ok(format!("{}:{}", built.name, built.tag))
}
